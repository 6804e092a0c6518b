"""The building committee (楼委会), its terms (届) and the floor leaders (楼长) appointed in them."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from louwei.core import files
from louwei.core.validators import validate_phone

CHINESE_ORDINALS = "零一二三四五六七八九十"


def chinese_number(n: int) -> str:
    if n <= 10:
        return CHINESE_ORDINALS[n]
    if n < 20:
        return "十" + (CHINESE_ORDINALS[n - 10] if n > 10 else "")
    tens, ones = divmod(n, 10)
    return CHINESE_ORDINALS[tens] + "十" + (CHINESE_ORDINALS[ones] if ones else "")


class BuildingCommittee(models.Model):
    building = models.OneToOneField(
        "buildings.Building", on_delete=models.CASCADE, related_name="committee", verbose_name=_("building")
    )
    name = models.CharField(_("name"), max_length=100)
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[validate_phone])
    founded_on = models.DateField(_("founded"), null=True, blank=True)

    class Meta:
        verbose_name = _("building committee")
        verbose_name_plural = _("building committees")

    def __str__(self) -> str:
        return self.name


class Term(models.Model):
    """A committee term (届): the first term of 新城发展大厦B座 began on 2021-09-10."""

    committee = models.ForeignKey(
        BuildingCommittee, on_delete=models.CASCADE, related_name="terms", verbose_name=_("committee")
    )
    number = models.PositiveSmallIntegerField(_("term number"))
    started_on = models.DateField(_("starts"))
    ended_on = models.DateField(_("ends"), null=True, blank=True)

    class Meta:
        verbose_name = _("term")
        verbose_name_plural = _("terms")
        ordering = ["committee", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["committee", "number"], name="term_unique_number"),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gt=F("started_on")), name="term_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        from django.utils.translation import get_language

        if (get_language() or "").startswith("zh"):
            return f"第{chinese_number(self.number)}届楼委会"
        return _("Term %(n)d") % {"n": self.number}

    def is_current(self, on=None) -> bool:
        on = on or timezone.localdate()
        return self.started_on <= on and (self.ended_on is None or self.ended_on > on)


class AppointmentMethod(models.TextChoices):
    SELF_CLAIMED = "self_claimed", _("Self-claimed")
    NOMINATED = "nominated", _("Nominated by an enterprise")
    ASSIGNED = "assigned", _("Assigned by the Party committee")


class FloorLeaderQuerySet(models.QuerySet):
    def serving(self):
        return self.filter(ended_on__isnull=True)


class FloorLeader(models.Model):
    """One appointment of a person as leader of one floor. History is kept: ending sets ``ended_on``."""

    floor = models.ForeignKey(
        "buildings.Floor", on_delete=models.PROTECT, related_name="leaders", verbose_name=_("floor")
    )
    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="floor_leaders", verbose_name=_("term"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="floor_leaderships", verbose_name=_("person")
    )
    enterprise = models.ForeignKey(
        "buildings.Enterprise", null=True, blank=True, on_delete=models.SET_NULL, related_name="floor_leaders",
        verbose_name=_("enterprise"),
    )
    appointment_method = models.CharField(
        _("how appointed"), max_length=16, choices=AppointmentMethod.choices
    )
    nominated_by = models.ForeignKey(
        "buildings.Enterprise", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("nominated by"),
    )
    public_phone = models.CharField(
        _("phone shown on the floor"), max_length=20, validators=[validate_phone]
    )
    photo = models.ImageField(_("photo"), upload_to=files.PrivateUploadTo("floor-leaders"), blank=True)
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("to"), null=True, blank=True)
    end_reason = models.CharField(_("reason for ending"), max_length=200, blank=True)
    role = models.OneToOneField(
        "accounts.Role", null=True, blank=True, on_delete=models.SET_NULL, related_name="floor_leadership",
        editable=False,
    )

    objects = FloorLeaderQuerySet.as_manager()

    class Meta:
        verbose_name = _("floor leader")
        verbose_name_plural = _("floor leaders")
        ordering = ["floor", "-started_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["floor"], condition=Q(ended_on__isnull=True), name="floor_leader_one_serving_per_floor"
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="floor_leader_ends_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(appointment_method="nominated") | Q(nominated_by__isnull=False),
                name="floor_leader_nomination_names_enterprise",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.floor} · {self.user}"

    @property
    def is_serving(self) -> bool:
        return self.ended_on is None

    @property
    def photo_url(self) -> str:
        """The portrait's address ("" without one): a view that checks who may see it, with a token that
        changes with the photo, so browsers may keep it."""
        if not self.photo:
            return ""
        return reverse("committee:leader_photo", args=[self.pk, files.version(self.photo)])
