"""What cases add to the shell: the case page for everyone, the rates' dashboard and the case
settings for those who may see and configure them."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from louwei.access import Action
from louwei.home import shell


def _rates_url(person):
    """The district's dashboard for district staff (of one district), the building's for the staff
    of one building who may see its figures."""
    districts = person.district_codes(Action.CASE_FIGURES)
    if len(districts) == 1:
        return reverse("cases:district_dashboard", args=[districts[0]])
    staff = person.buildings_of(person.building_ids(Action.BUILDING_VIEW))
    if len(staff) == 1 and staff[0].pk in person.building_ids(Action.CASE_FIGURES):
        return reverse("cases:building_dashboard", args=[staff[0].code])
    return None


def _settings_url(person):
    """Categories, deadlines, district handlers: superusers and district staff."""
    return reverse("cases:settings") if person.district_wide(Action.CASE_CONFIGURE) else None


def _handlers_url(person):
    """A building's handlers, for those who configure that building (the committee secretary)."""
    codes = [b.code for b in person.buildings_of(person.building_ids(Action.CASE_CONFIGURE))]
    return reverse("cases:building_handlers", args=[codes[0]]) if len(codes) == 1 else None


# Everyone logged in has a case page: their queues, or at least the cases they raised.
shell.entry("cases", _("Cases"), icon="inbox", order=10, url=lambda person: reverse("cases:queue"))
shell.entry("rates", _("Rates"), icon="chart", order=100, url=_rates_url)
shell.entry("case-settings", _("Case settings"), icon="check", order=110, url=_settings_url)
shell.entry("handlers", _("Handlers"), icon="committee", order=111, url=_handlers_url)
