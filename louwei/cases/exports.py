"""The cases' Excel outputs: a building's case list and the rates' figures.

Both are made in the background (``louwei.cases.jobs``) and read only what the person may see:
the case list comes from ``queries.building_export_cases`` for that person, the figures from
``rates`` for a building or district they may see the figures of. A text that starts like a
formula stays text (``louwei.core.spreadsheets.append_row``)."""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from louwei.core.spreadsheets import append_row

from . import rates
from .figures import COUNTERS
from .models import Status
from .rates import DIMENSION_LABELS, RATE_LABELS

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PROGRESS_EVERY = 200


def _when(value):
    return timezone.localtime(value).replace(tzinfo=None) if value else None


def cases_filename(building) -> str:
    return f"{building.code}-cases-{timezone.localdate():%Y%m%d}.xlsx"


def cases_workbook(cases, *, title: str, total: int | None = None, progress=None) -> bytes:
    """One row per case (no personal data of the submitter), streamed into a write-only workbook;
    a description that starts like a formula stays text. ``progress(done, total)``, when given, is
    told every :data:`PROGRESS_EVERY` rows."""
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
    for done, case in enumerate(cases, start=1):
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done, total)
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


# ----------------------------------------------------------------------------------------------
# The rates' figures


COLUMNS = [  # (heading, counter or rate name)
    (pgettext_lazy("figures", "Received"), "received"),
    (pgettext_lazy("figures", "Responded"), "responded"),
    (gettext_lazy("Responded on time"), "responded_on_time"),
    (gettext_lazy("Response rate"), "rate:response"),
    (pgettext_lazy("figures", "Declined"), "declined"),
    (pgettext_lazy("figures", "To resolve"), "to_resolve"),
    (pgettext_lazy("figures", "Resolved"), "resolved"),
    (gettext_lazy("Resolution rate"), "rate:resolution"),
    (pgettext_lazy("figures", "Rated"), "rated"),
    (gettext_lazy("Satisfied"), "satisfied"),
    (gettext_lazy("Basically satisfied"), "basically"),
    (gettext_lazy("Dissatisfied"), "dissatisfied"),
    (gettext_lazy("Satisfaction rate"), "rate:satisfaction"),
    (gettext_lazy("Closed once"), "closed"),
    (gettext_lazy("Closed on time"), "closed_on_time"),
    (gettext_lazy("Overdue, not closed"), "overdue"),
    (gettext_lazy("On-time closure rate"), "rate:on_time"),
    (pgettext_lazy("figures", "Reopened"), "reopened"),
    (gettext_lazy("Merged duplicates"), "merged"),
    (gettext_lazy("Follow-up calls"), "follow_ups"),
]
assert {c for _h, c in COLUMNS if not c.startswith("rate:")} == set(COUNTERS)


def definitions() -> list[tuple[str, str, str, str]]:
    """The definitions sheet: (rate, numerator, denominator, notes), as in docs/metrics.md."""
    return [
        (pgettext("figures", "Cohort"), "", "",
         _("Cases received in the period (by the local month of submission). A duplicate merged into "
           "another case is out of every figure: it counts once, through the original.")),
        (str(RATE_LABELS["response"]), _("Cases responded to (answered, passed on, accepted or declined)"),
         _("Cases received"), _("On time: the first response by the response deadline.")),
        (str(RATE_LABELS["resolution"]), _("Cases closed now (a case reopened by a dissatisfied rating is "
                                            "not, until it is closed again)"),
         _("Cases received, minus the declined ones"),
         _("Declined cases were responded to but are out of resolution.")),
        (str(RATE_LABELS["satisfaction"]), _("Ratings satisfied or basically satisfied"),
         _("Rated cases (by the submitter or on a follow-up call)"),
         _("A reopened case counts once, with its latest rating.")),
        (str(RATE_LABELS["on_time"]), _("Cases first closed by their deadline"),
         _("Cases closed at least once, plus cases overdue and never closed"),
         _("A reopened case keeps its first closing and its first deadline.")),
    ]


def figures_filename(code: str, period: rates.Period) -> str:
    return f"{code}-case-figures-{period.first:%Y%m}-{period.last:%Y%m}.xlsx"


def figures_workbook(scope, period: rates.Period, progress=None) -> bytes:
    """The months of ``period``, a sheet per dimension of ``scope`` and the definitions.
    ``progress(done, total)``, when given, is told of each sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    bold = Font(bold=True)
    workbook = Workbook()
    summary = workbook.active
    summary.title = pgettext("figures", "Summary")[:31]
    append_row(summary, [str(scope), period.label])
    summary.append([])
    headings = [pgettext("figures", "Month"), *(str(h) for h, _c in COLUMNS)]
    summary.append(headings)
    months = rates.series(scope, period)
    whole = rates.Figures()
    for month, figures in months:
        whole.add(figures)
        _row(summary, f"{month:%Y-%m}", figures)
    _row(summary, pgettext("figures", "Total"), whole)
    for cell in summary[3]:
        cell.font = bold
    dimensions = rates.dimensions_of(scope)
    for done, dimension in enumerate(dimensions, start=1):
        if progress is not None:
            progress(done, len(dimensions) + 1)
        sheet = workbook.create_sheet(str(DIMENSION_LABELS[dimension])[:31])
        sheet.append([str(DIMENSION_LABELS[dimension]), *(str(h) for h, _c in COLUMNS)])
        for cell in sheet[1]:
            cell.font = bold
        for row in rates.rows(scope, period, dimension, sort="label"):
            _row(sheet, row.label, row.figures)
        sheet.column_dimensions["A"].width = 24
    if progress is not None:
        progress(len(dimensions) + 1, len(dimensions) + 1)
    sheet = workbook.create_sheet(_("Definitions")[:31])
    sheet.append([pgettext("figures", "Figure"), pgettext("figures", "Numerator"),
                  pgettext("figures", "Denominator"), pgettext("figures", "Notes")])
    for cell in sheet[1]:
        cell.font = bold
    for line in definitions():
        sheet.append([str(value) for value in line])
    for letter, width in zip("ABCD", (18, 40, 40, 60), strict=True):
        sheet.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _row(sheet, label: str, figures: rates.Figures) -> None:
    values: list = [label]
    for _heading, column in COLUMNS:
        if column.startswith("rate:"):
            rate = figures.rate(column[5:])
            values.append("—" if rate is None else rate)
        else:
            values.append(getattr(figures, column))
    append_row(sheet, values)  # the label is a name people typed (a handler, a floor)
    for (_heading, column), cell in zip(COLUMNS, sheet[sheet.max_row][1:], strict=True):
        if column.startswith("rate:") and cell.value != "—":
            cell.number_format = "0.0%"


