"""The ground-floor Party-and-public service centre (党群服务中心) and its facilities."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ServiceCentre(models.Model):
    building = models.OneToOneField(
        "buildings.Building", on_delete=models.CASCADE, related_name="service_centre", verbose_name=_("building")
    )
    floor = models.ForeignKey("buildings.Floor", on_delete=models.PROTECT, related_name="+", verbose_name=_("floor"))
    name = models.CharField(_("name"), max_length=100)
    opening_hours = models.CharField(_("opening hours"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    on_site_services = models.TextField(
        _("on-site services"), blank=True, help_text=_("Services offered in the centre on set days.")
    )

    class Meta:
        verbose_name = _("service centre")
        verbose_name_plural = _("service centres")

    def __str__(self) -> str:
        return self.name


class FacilityKind(models.TextChoices):
    MEETING_ROOM = "meeting_room", _("Meeting room")
    ACTIVITY_ROOM = "activity_room", _("Activity room")
    PRINTER = "printer", _("Self-service printer")
    OTHER = "other", _("Other")


class Facility(models.Model):
    centre = models.ForeignKey(ServiceCentre, on_delete=models.CASCADE, related_name="facilities")
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=FacilityKind.choices)
    capacity = models.PositiveSmallIntegerField(_("capacity"), null=True, blank=True)
    description = models.TextField(pgettext_lazy("facility", "description"), blank=True)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")
        ordering = ["centre", "kind", "name"]
        constraints = [models.UniqueConstraint(fields=["centre", "name"], name="facility_unique_name")]

    def __str__(self) -> str:
        return self.name
