"""Each role's queue (``/cases/``), a building's case list and its Excel export."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from louwei import access
from louwei.access import Action
from louwei.jobs import views as job_pages

from .. import jobs, queries
from .raising import may_raise_somewhere

@login_required
@require_GET
def mine(request):
    """The person's queues as tabs: by what they are (floor leader, handler staff, committee),
    the most urgent first, then the cases they raised."""
    user = request.user
    counts = queries.queue_counts(user)
    tabs = []
    if "leader" in counts:
        tabs.append(("leader", _("My floors"), counts["leader"]))
    if "handler" in counts:
        tabs.append(("handler", _("Assigned to us"), counts["handler"]))
    if "triage" in counts:
        tabs.append(("triage", _("Triage"), counts["triage"]))
    enterprises = sorted(access.scope(user, Action.CASE_VIEW).enterprises)
    if enterprises:
        tabs.append(("enterprise", _("Our enterprise"), None))
    tabs.append(("mine", _("Raised by me"), None))
    keys = [key for key, _label, _n in tabs]
    tab = request.GET.get("tab")
    if tab not in keys:
        tab = keys[0]
    context = {"tabs": tabs, "tab": tab, "queue": None, "page": None}
    if tab == "leader":
        context["queue"] = queries.leader_queue(user)
    elif tab == "handler":
        context["queue"] = queries.handler_queue(user)
    elif tab == "triage":
        context["queue"] = queries.triage_queue(user)
    else:
        cases = queries.my_cases(user) if tab == "mine" else queries.enterprise_cases(enterprises)
        context["page"] = Paginator(cases, queries.PAGE_SIZE).get_page(request.GET.get("page"))
    context["buildings"] = queries.case_buildings(user)
    context["may_raise"] = may_raise_somewhere(user)
    return render(request, "cases/staff/queue.html", context)


def _with_query(url: str, query) -> str:
    return f"{url}?{query.urlencode()}" if query else url


@login_required
@require_GET
def building(request, code):
    """Every case of a building, filtered; a floor leader sees their floors' cases only."""
    place = queries.building_by_code(code)
    access.require(request.user, Action.CASE_VIEW, place)
    result = queries.building_cases(request.user, place, request.GET, request.GET.get("page"))
    context = {
        "building": place, "result": result, "filter": result.filterset, "page": result.page,
        "current_building": place,
        "breadcrumbs": [(_("Cases"), reverse("cases:queue")), (place.name, "")],
        "export_url": _with_query(reverse("cases:building_export", args=[place.code]), request.GET),
    }
    if request.htmx and request.htmx.target == "case-results":
        return render(request, "cases/staff/_building_results.html", context)
    return render(request, "cases/staff/building.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def building_export(request, code):
    """The filtered list as an Excel workbook (same permission and filters as the page), made in the
    background: the button starts it, the job page follows it."""
    place = queries.building_by_code(code)
    access.require(request.user, Action.CASE_VIEW, place)
    return job_pages.start_page(
        request, kind=jobs.CASES, target=place, params=jobs.export_params(request.GET),
        title=_("Export the cases of %(building)s") % {"building": place.name},
        back_url=_with_query(reverse("cases:building_cases", args=[place.code]), request.GET),
    )
