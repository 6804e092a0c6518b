"""The building registry: district → buildings → floors → units, and the enterprises in them."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from louwei.core.validators import validate_phone, validate_uscc

code_validator = RegexValidator(
    r"^[A-Z0-9][A-Z0-9-]{0,30}[A-Z0-9]$", _("Use capital letters, digits and hyphens, e.g. XCFZ-B.")
)


class PartyCommittee(models.Model):
    """The district Party committee for new economic and social organisations (两新组织党委)."""

    code = models.CharField(_("code"), max_length=32, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=100)
    district = models.CharField(_("district"), max_length=100)

    class Meta:
        verbose_name = _("district Party committee")
        verbose_name_plural = _("district Party committees")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class PropertyCompany(models.Model):
    """The property management company of one or more buildings (物业服务企业)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    uscc = models.CharField(
        _("unified social credit code"), max_length=18, blank=True, validators=[validate_uscc]
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[validate_phone])

    class Meta:
        verbose_name = _("property company")
        verbose_name_plural = _("property companies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Building(models.Model):
    party_committee = models.ForeignKey(
        PartyCommittee, on_delete=models.PROTECT, related_name="buildings", verbose_name=_("district")
    )
    code = models.CharField(_("code"), max_length=24, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    property_company = models.ForeignKey(
        PropertyCompany, null=True, blank=True, on_delete=models.SET_NULL, related_name="buildings",
        verbose_name=_("property company"),
    )
    is_pilot = models.BooleanField(_("pilot building"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def floor_code(self, number: int) -> str:
        return f"{self.code}-{'B' if number < 0 else ''}{abs(number):02d}"


class Floor(models.Model):
    building = models.ForeignKey(Building, on_delete=models.CASCADE, related_name="floors", verbose_name=_("building"))
    number = models.SmallIntegerField(
        _("floor number"), validators=[MinValueValidator(-9), MaxValueValidator(200)],
        help_text=_("Negative for basements."),
    )
    code = models.CharField(
        _("floor code"), max_length=32, unique=True, editable=False,
        help_text=_("Building code and two-digit floor, e.g. XCFZ-B-05; printed in the floor's QR code."),
    )
    name = models.CharField(_("name"), max_length=50, blank=True, help_text=_("Optional, e.g. “Service centre”."))

    class Meta:
        verbose_name = _("floor")
        verbose_name_plural = _("floors")
        ordering = ["building", "number"]
        constraints = [models.UniqueConstraint(fields=["building", "number"], name="floor_unique_number")]

    def __str__(self) -> str:
        return f"{self.building.name} {self.label}"

    @property
    def label(self) -> str:
        if self.number < 0:
            return _("B%(n)d") % {"n": -self.number}
        return _("%(n)dF") % {"n": self.number}

    def save(self, *args, **kwargs):
        self.code = self.building.floor_code(self.number)
        super().save(*args, **kwargs)


class Unit(models.Model):
    floor = models.ForeignKey(Floor, on_delete=models.CASCADE, related_name="units", verbose_name=_("floor"))
    number = models.CharField(_("unit number"), max_length=16)
    area = models.DecimalField(_("area (m²)"), max_digits=8, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["floor", "number"]
        constraints = [models.UniqueConstraint(fields=["floor", "number"], name="unit_unique_number")]

    def __str__(self) -> str:
        return self.number


class Industry(models.TextChoices):
    """Sections of GB/T 4754-2017, Industrial classification for national economic activities."""

    A = "A", _("Agriculture, forestry, animal husbandry and fishery")
    B = "B", _("Mining")
    C = "C", _("Manufacturing")
    D = "D", _("Electricity, heat, gas and water")
    E = "E", _("Construction")
    F = "F", _("Wholesale and retail trade")
    G = "G", _("Transport, storage and post")
    H = "H", _("Accommodation and catering")
    I = "I", _("Information transmission, software and IT services")  # noqa: E741
    J = "J", _("Finance")
    K = "K", _("Real estate")
    L = "L", _("Leasing and business services")
    M = "M", _("Scientific research and technical services")
    N = "N", _("Water, environment and public facilities management")
    O = "O", _("Resident services, repair and other services")  # noqa: E741
    P = "P", _("Education")
    Q = "Q", _("Health and social work")
    R = "R", _("Culture, sports and entertainment")
    S = "S", _("Public administration, social security and social organisations")
    T = "T", _("International organisations")


class PartyOrganisation(models.TextChoices):
    NONE = "none", _("None")
    OWN_BRANCH = "own_branch", _("Own Party branch")
    JOINT_BRANCH = "joint_branch", _("Joint Party branch")


class EnterpriseQuerySet(models.QuerySet):
    def in_building(self, building):
        return self.filter(pk__in=Occupancy.objects.current().filter(unit__floor__building=building).values("enterprise"))

    def on_floors(self, floors):
        return self.filter(pk__in=Occupancy.objects.current().filter(unit__floor__in=floors).values("enterprise"))


class Enterprise(models.Model):
    """A tenant company (入驻企业), identified by its unified social credit code."""

    name = models.CharField(_("name"), max_length=100)
    uscc = models.CharField(
        _("unified social credit code"), max_length=18, unique=True, validators=[validate_uscc],
        help_text=_("18 characters, GB 32100-2015."),
    )
    industry = models.CharField(_("industry"), max_length=1, choices=Industry.choices)
    employee_count = models.PositiveIntegerField(_("employees"), default=0)
    party_organisation = models.CharField(
        _("Party organisation"), max_length=16, choices=PartyOrganisation.choices, default=PartyOrganisation.NONE
    )
    party_member_count = models.PositiveIntegerField(_("Party members"), default=0)
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[validate_phone])
    email = models.EmailField(_("e-mail"), blank=True)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EnterpriseQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(party_member_count__lte=F("employee_count")) | Q(employee_count=0),
                name="enterprise_party_members_within_employees",
            ),
        ]
        indexes = [models.Index(fields=["industry"]), models.Index(fields=["name"])]

    def __str__(self) -> str:
        return self.name


class EnterpriseContact(models.Model):
    """A person to reach at an enterprise; may or may not have a login."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("enterprise")
    )
    name = models.CharField(_("name"), max_length=64)
    title = models.CharField(_("position"), max_length=64, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[validate_phone])
    email = models.EmailField(_("e-mail"), blank=True)
    is_primary = models.BooleanField(_("main contact"), default=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="contact_cards",
        verbose_name=_("login"),
    )

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-is_primary", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise"], condition=Q(is_primary=True), name="contact_one_primary_per_enterprise"
            )
        ]

    def __str__(self) -> str:
        return self.name


class OccupancyQuerySet(models.QuerySet):
    def current(self, on=None):
        on = on or timezone.localdate()
        return self.filter(Q(started_on__lte=on), Q(ended_on__isnull=True) | Q(ended_on__gt=on))


class Occupancy(models.Model):
    """An enterprise's tenancy of one unit, from move-in to move-out; kept as history."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="occupancies", verbose_name=_("enterprise")
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="occupancies", verbose_name=_("unit"))
    started_on = models.DateField(_("moved in"))
    ended_on = models.DateField(_("moved out"), null=True, blank=True)

    objects = OccupancyQuerySet.as_manager()

    class Meta:
        verbose_name = _("occupancy")
        verbose_name_plural = _("occupancies")
        ordering = ["-started_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="occupancy_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["enterprise", "unit"], condition=Q(ended_on__isnull=True),
                name="occupancy_one_open_per_unit",
            ),
        ]
        indexes = [models.Index(fields=["unit", "ended_on"]), models.Index(fields=["enterprise", "ended_on"])]

    def __str__(self) -> str:
        return f"{self.enterprise} @ {self.unit}"
