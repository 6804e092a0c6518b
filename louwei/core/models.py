from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AuditEvent(models.Model):
    """One state change made by a person (or the system), written by ``louwei.core.audit.record``."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("actor"),
    )
    verb = models.CharField(_("action"), max_length=64)
    target_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(_("target"), max_length=255, blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.verb} {self.target_repr}"


class PeriodicRun(models.Model):
    """The claim of one periodic job for one time slot: the unique key makes it run once."""

    job = models.CharField(max_length=100)
    slot = models.DateTimeField()
    enqueued_at = models.DateTimeField(auto_now_add=True)
    task_result_id = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "slot"], name="periodic_run_once_per_slot")]
        ordering = ["-slot"]

    def __str__(self) -> str:
        return f"{self.job} @ {self.slot:%Y-%m-%d %H:%M}"


class CalendarYear(models.Model):
    """One year of China's official working-day calendar, entered from the State Council's notice
    on the year's public holidays (国务院办公厅关于…部分节假日安排的通知). A year entered here
    overrides the ``chinese_calendar`` package's table for that year (``louwei.core.workdays``)."""

    year = models.PositiveSmallIntegerField(pgettext_lazy("official calendar", "year"), unique=True)
    notice = models.CharField(_("State Council notice"), max_length=100)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=pgettext_lazy("official calendar", "entered by"),
    )
    entered_at = models.DateTimeField(pgettext_lazy("official calendar", "entered"), default=timezone.now)

    class Meta:
        verbose_name = _("official calendar year")
        verbose_name_plural = _("official calendar years")
        ordering = ["year"]
        constraints = [
            models.CheckConstraint(condition=Q(year__gte=2000, year__lte=2100), name="calendar_year_range"),
        ]

    def __str__(self) -> str:
        return str(self.year)


class DayKind(models.TextChoices):
    OFF = "off", _("day off")
    WORK = "work", _("make-up working day")


class CalendarDay(models.Model):
    """A day of an entered year that differs from Monday to Friday: a day off of a public holiday
    (weekend days inside the holiday included), or a make-up working day on a weekend (调休)."""

    calendar = models.ForeignKey(CalendarYear, on_delete=models.CASCADE, related_name="days",
                                 verbose_name=pgettext_lazy("official calendar", "year"))
    day = models.DateField(pgettext_lazy("official calendar", "day"), unique=True)
    kind = models.CharField(pgettext_lazy("official calendar", "kind"), max_length=4, choices=DayKind.choices)
    name = models.CharField(pgettext_lazy("official calendar", "name"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("official calendar day")
        verbose_name_plural = _("official calendar days")
        ordering = ["day"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=DayKind.values), name="calendar_day_kind"),
            models.CheckConstraint(condition=Q(kind=DayKind.WORK) | ~Q(name=""), name="calendar_day_off_named"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.kind} {self.name}".strip()
