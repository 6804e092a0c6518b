"""The cases' Excel exports as background jobs (``louwei.jobs``): a building's case list (with the
page's filters) and the rates' figures of a building or a district. The worker reads what the
person who asked may see, as the page did (``queries.building_export_cases`` for that person)."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from louwei.access import Action
from louwei.buildings.models import Building
from louwei.jobs import kinds

from . import exports, queries, rates
from .filters import CaseFilter

CASES = "cases.export"
FIGURES = "cases.figures"


def export_params(query) -> dict:
    """The list's filters as the job keeps them: the filter's own fields only, one short value each
    (``jobs.services.start`` drops control characters)."""
    return {"query": {name: str(query[name])[:200] for name in CaseFilter.base_filters if query.get(name)}}


def figures_params(period: rates.Period) -> dict:
    """The period as the page resolved it, so the file covers the months the person saw."""
    return {"period": period.kind, "first": period.first.isoformat(), "last": period.last.isoformat()}


def _period(params: dict) -> rates.Period:
    return rates.Period(params["period"], datetime.date.fromisoformat(params["first"]),
                        datetime.date.fromisoformat(params["last"]))


def _cases(job, progress) -> kinds.Output:
    building = job.target
    progress.stage(_("Finding the cases"))
    cases = queries.building_export_cases(job.owner, building, job.params.get("query"))
    total = cases.count()
    progress.stage(_("Writing the cases"), total)
    data = exports.cases_workbook(cases.iterator(chunk_size=2000), title=building.name, total=total, progress=progress)
    return kinds.Output(data, exports.cases_filename(building), exports.XLSX_CONTENT_TYPE)


def _figures(job, progress) -> kinds.Output:
    scope, period = job.target, _period(job.params)
    progress.stage(_("Writing the figures"))
    data = exports.figures_workbook(scope, period, progress)
    return kinds.Output(data, exports.figures_filename(scope.code, period), exports.XLSX_CONTENT_TYPE)


def _dashboard(job) -> str:
    scope = job.target
    name = "cases:building_dashboard" if isinstance(scope, Building) else "cases:district_dashboard"
    return reverse(name, args=[scope.code])


kinds.register(
    CASES, label=gettext_lazy("Case list export"), action=Action.CASE_VIEW, run=_cases,
    title=lambda building, params: _("Cases of %(building)s (.xlsx)") % {"building": building.name},
    back_url=lambda job: reverse("cases:building_cases", args=[job.target.code]),
)
kinds.register(
    FIGURES, label=gettext_lazy("Case figures export"), action=Action.CASE_FIGURES, run=_figures,
    title=lambda scope, params: _("Case figures of %(scope)s, %(period)s (.xlsx)")
    % {"scope": str(scope), "period": _period(params).label},
    back_url=_dashboard,
)
