"""What the official calendar adds to the shell: its page for those who keep it, and a warning on
their home while a year is missing."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from louwei import access
from louwei.access import Action
from louwei.core import shell


def _holidays_url(person):
    return reverse("holidays:index") if access.can_nationwide(person.user, Action.CALENDAR_MANAGE) else None


shell.entry("holidays", _("Holidays"), icon="calendar", order=130, url=_holidays_url)


def _calendar_panel(person):
    """The official calendar's warning, first, while a year its keepers must enter is missing."""
    from .queries import missing_for

    years = missing_for(person.user)
    return shell.Shown({"years": years}, urgency=shell.ALERT) if years else None


shell.panel("calendar-missing", "includes/calendar_missing.html", order=0, context=_calendar_panel)
