from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin, UserManager as DjangoUserManager
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from louwei.core.validators import validate_mobile


class UserManager(DjangoUserManager):
    def _create_user(self, username, email, password, **extra_fields):
        if not username:
            raise ValueError("username is required")
        user = self.model(username=username, email=self.normalize_email(email or ""), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(username, email, password, **extra_fields)

    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(username, email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Chinese names are one field; login is by username or mobile number."""

    username = models.CharField(
        _("username"),
        max_length=64,
        unique=True,
        validators=[RegexValidator(r"^[\w.@+-]+\Z", _("Letters, digits and @ . + - _ only."))],
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=64, blank=True)
    phone = models.CharField(
        _("mobile phone"), max_length=20, unique=True, null=True, blank=True, validators=[validate_mobile]
    )
    email = models.EmailField(_("e-mail"), blank=True)
    language = models.CharField(
        _("language"), max_length=10, blank=True, choices=[("zh-hans", "简体中文"), ("en", "English")]
    )
    is_staff = models.BooleanField(
        _("Django admin access"), default=False, help_text=_("May log in to the Django admin site.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "username"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.name or self.username

    def get_full_name(self) -> str:
        return self.name or self.username

    def get_short_name(self) -> str:
        return self.name or self.username

    def active_roles(self) -> list["Role"]:
        """The person's active roles, read once and kept on this object (one query per request)."""
        if self._active_roles is None:
            self._active_roles = list(Role.objects.active().filter(user=self).select_related("floor", "party_committee"))
        return self._active_roles

    def forget_roles(self) -> None:
        """Drop the kept roles, after a role was granted or ended."""
        self._active_roles = None

    _active_roles: list | None = None

    def save(self, *args, **kwargs):
        if self.phone == "":
            self.phone = None
        super().save(*args, **kwargs)


class RoleKind(models.TextChoices):
    DISTRICT_STAFF = "district_staff", _("District staff")
    COMMITTEE_SECRETARY = "committee_secretary", _("Committee secretary")
    COMMITTEE_MEMBER = "committee_member", _("Committee member")
    PROPERTY_STAFF = "property_staff", _("Property staff")
    FLOOR_LEADER = "floor_leader", _("Floor leader")
    ENTERPRISE_CONTACT = "enterprise_contact", _("Enterprise contact")
    EMPLOYEE = "employee", _("Employee")


# Which scope each kind of role is held in.
SCOPE_OF_ROLE = {
    RoleKind.DISTRICT_STAFF: "party_committee",
    RoleKind.COMMITTEE_SECRETARY: "building",
    RoleKind.COMMITTEE_MEMBER: "building",
    RoleKind.PROPERTY_STAFF: "building",
    RoleKind.FLOOR_LEADER: "floor",
    RoleKind.ENTERPRISE_CONTACT: "enterprise",
    RoleKind.EMPLOYEE: "enterprise",
}
SCOPE_FIELDS = ("party_committee", "building", "floor", "enterprise")


def _scope_check() -> Q:
    """Each role names exactly the one scope its kind is held in."""
    condition = Q()
    for kind, scope in SCOPE_OF_ROLE.items():
        clause = Q(kind=kind)
        for field in SCOPE_FIELDS:
            clause &= Q(**{f"{field}__isnull": field != scope})
        condition |= clause
    return condition


class RoleQuerySet(models.QuerySet):
    def active(self):
        return self.filter(ended_at__isnull=True)


class Role(models.Model):
    """A role a person holds in a scope: a district, a building, a floor or an enterprise."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles", verbose_name=_("person"))
    kind = models.CharField(_("role"), max_length=32, choices=RoleKind.choices)
    party_committee = models.ForeignKey(
        "buildings.PartyCommittee", null=True, blank=True, on_delete=models.CASCADE, related_name="roles",
        verbose_name=_("district"),
    )
    building = models.ForeignKey(
        "buildings.Building", null=True, blank=True, on_delete=models.CASCADE, related_name="roles",
        verbose_name=_("building"),
    )
    floor = models.ForeignKey(
        "buildings.Floor", null=True, blank=True, on_delete=models.CASCADE, related_name="roles",
        verbose_name=_("floor"),
    )
    enterprise = models.ForeignKey(
        "buildings.Enterprise", null=True, blank=True, on_delete=models.CASCADE, related_name="roles",
        verbose_name=_("enterprise"),
    )
    granted_at = models.DateTimeField(_("granted"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)

    objects = RoleQuerySet.as_manager()

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["user", "kind"]
        constraints = [
            models.CheckConstraint(condition=_scope_check(), name="role_scope_matches_kind"),
            *[
                models.UniqueConstraint(
                    fields=["user", "kind", field],
                    condition=Q(ended_at__isnull=True, **{f"{field}__isnull": False}),
                    name=f"role_unique_active_{field}",
                )
                for field in SCOPE_FIELDS
            ],
        ]
        indexes = [models.Index(fields=["user", "ended_at"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_kind_display()} · {self.scope}"

    @property
    def scope(self):
        return getattr(self, SCOPE_OF_ROLE[RoleKind(self.kind)])
