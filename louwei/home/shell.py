"""The home app's own destinations: the home page, and the staff health page."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from louwei.access import Action
from louwei.core import shell


def _health_url(person) -> str | None:
    return reverse("home:health") if person.district_wide(Action.SYSTEM_HEALTH) else None


shell.entry("home", _("Home"), icon="home", order=0, url=lambda person: reverse("home:index"), public=True)
shell.entry("health", _("System health"), icon="check", order=120, url=_health_url)
