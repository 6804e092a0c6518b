"""Each role's queue (``/cases/``), a building's case list and its Excel export."""

from __future__ import annotations

import io

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET

from louwei import access
from louwei.access import Action
from louwei.core.spreadsheets import append_row

from .. import queries
from ..models import Status

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _when(value):
    return timezone.localtime(value).replace(tzinfo=None) if value else None


def cases_workbook(cases, *, title: str) -> bytes:
    """One row per case (no personal data of the submitter), streamed into a write-only workbook;
    a description that starts like a formula stays text."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Cases")[:31])
    headers = [
        _("Tracking number"), pgettext("case export", "Submitted"), _("Floor"), _("Category"), _("Urgency"),
        pgettext("case", "Channel"), _("Status"), _("Handler"), pgettext("case export", "Description"),
        pgettext("case deadline", "Respond by"), pgettext("case export", "First response"),
        pgettext("case deadline", "Due"), pgettext("case export", "Closed"), _("Overdue"),
        pgettext("case export", "Rating"), _("Times reopened"),
    ]
    widths = [16, 18, 8, 16, 10, 12, 12, 18, 50, 18, 18, 18, 18, 8, 12, 8]
    for index, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    bold = Font(bold=True)
    header_cells = []
    for text in headers:
        cell = WriteOnlyCell(sheet, value=str(text))
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    now = timezone.now()
    for case in cases:
        late = bool(case.overdue_at) or (case.is_open and case.due_at < now)
        append_row(sheet, [
            case.number, _when(case.submitted_at), str(case.floor.label), str(case.category.label),
            str(case.get_urgency_display()), str(case.get_channel_display()), str(Status(case.status).label),
            case.handler.name if case.handler_id else "", case.description, _when(case.respond_by),
            _when(case.responded_at), _when(case.due_at), _when(case.closed_at),
            _("yes") if late else _("no"), str(case.get_rating_display()) if case.rating else "", case.reopen_count,
        ])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


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
    return render(request, "cases/staff/queue.html", context)


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
    }
    if request.htmx and request.htmx.target == "case-results":
        return render(request, "cases/staff/_building_results.html", context)
    return render(request, "cases/staff/building.html", context)


@login_required
@require_GET
def building_export(request, code):
    """The filtered list as an Excel workbook (same permission and filters as the page)."""
    place = queries.building_by_code(code)
    access.require(request.user, Action.CASE_VIEW, place)
    data = cases_workbook(queries.building_export_rows(request.user, place, request.GET), title=place.name)
    filename = f"{place.code}-cases-{timezone.localdate():%Y%m%d}.xlsx"
    response = FileResponse(io.BytesIO(data), as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)
    response["Cache-Control"] = "private, no-store"
    return response
