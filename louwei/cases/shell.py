"""What cases add to the shell: the case page for everyone, the rates' dashboard and the case
settings for those who may see and configure them; on the home, each role's cases waiting for it
(the floor leader's new cases, the handler's new dispatches, the committee's triage), this year's
own rates, and an enterprise's people's own cases with the way to raise one."""

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from louwei import access
from louwei.access import Action
from louwei.core import shell

from . import queries

MY_CASES = 5  # an enterprise person's latest cases on the home


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


# ----------------------------------------------------------------------------------------------
# Home panels


def _queues_panel(person):
    """Each role's own queue, the most urgent rows first: waiting work when any queue holds some."""
    sections = queries.landing_queues(person.user)
    if not sections:
        return None
    waiting = any(section.total for section in sections)
    deadlines = [case.respond_by if section.key == "leader" else case.due_at
                 for section in sections for case in section.cases]
    deadlines = [d for d in deadlines if d is not None]
    return shell.Shown({"queues": sections}, urgency=shell.WAITING if waiting else shell.INFO,
                       when=min(deadlines) if deadlines else None)


def _figures_panel(person):
    """This year's rates of the floor leader's cases and of each handler the person works for
    (read from the maintained figures: one query each)."""
    from . import rates

    user = person.user
    year = rates.period("year")
    shown = []
    if queries.leader_floor_ids(user):
        shown.append((gettext("My floors this year"), rates.for_leader(user, year)))
    for handler_id in queries.my_handler_ids(user)[:3]:
        shown.append((gettext("Our handling this year"), rates.for_handler(handler_id, year)))
    return shell.Shown({"shown": shown}) if shown else None


def _my_cases_panel(person):
    """An enterprise's people: their latest cases (a contact: their enterprise's) and, where
    "Raise a request" leads somewhere, the button (two queries)."""
    from .views.raising import may_raise_somewhere

    if not person.enterprise_ids:
        return None
    user = person.user
    followed = person.enterprises_where(Action.CASE_VIEW)
    cases = list(queries.rows(
        queries.Case.objects.filter(Q(submitted_by=user) | Q(raised_by=user) | Q(enterprise_id__in=followed))
    ).order_by("-submitted_at", "-pk")[:MY_CASES])
    return shell.Shown({"cases": cases, "may_raise": may_raise_somewhere(user)})


shell.panel("case-queues", "cases/shell/_queues.html", order=10, context=_queues_panel,
            styles=("louwei/cases.css",))
shell.panel("my-cases", "cases/shell/_mine.html", order=14, context=_my_cases_panel,
            styles=("louwei/cases.css",))
shell.panel("case-figures", "cases/shell/_figures.html", order=20, context=_figures_panel)
