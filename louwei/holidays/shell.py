"""What the official calendar adds to the shell: its page for those who keep it, and a warning on
their home while a year is missing."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from louwei import access
from louwei.access import Action
from louwei.home import shell


def _holidays_url(person):
    return reverse("holidays:index") if access.can_nationwide(person.user, Action.CALENDAR_MANAGE) else None


shell.entry("holidays", _("Holidays"), icon="calendar", order=130, url=_holidays_url)
