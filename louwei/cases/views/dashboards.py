"""The rates, by building and by district, with ECharts, and their Excel export.

Thin: parse the period and the dimension, ask ``permissions.may_view_figures``, read ``rates``
(the monthly figures only: a fixed number of queries whatever the number of cases), render."""

from __future__ import annotations

import io
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from louwei.access import Action
from louwei.buildings.models import Building, PartyCommittee
from louwei.core.spreadsheets import append_row

from .. import permissions, queries, rates
from louwei.core.forms import DateField

from ..figures import COUNTERS
from ..models import Dimension
from ..rates import DIMENSION_LABELS, PERIODS, RATE_LABELS, RATES

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class MonthField(DateField):
    """A month as ``YYYY-MM`` (the value of ``<input type="month">``)."""

    input_formats = ["%Y-%m"]
    widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")


class DashboardForm(forms.Form):
    """The period, the dimension and the sort of a dashboard; anything wrong falls back to the default."""

    period = forms.ChoiceField(label=pgettext_lazy("figures", "Period"), choices=list(PERIODS.items()),
                               required=False)
    start = MonthField(label=gettext_lazy("From month"), required=False)
    end = MonthField(label=gettext_lazy("To month"), required=False)
    dim = forms.CharField(required=False, widget=forms.HiddenInput)
    sort = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, data, *, dimensions):
        super().__init__(data)
        self.dimensions = dimensions

    def chosen_period(self) -> rates.Period:
        if not self.is_valid():
            return rates.period()
        kind = self.cleaned_data["period"] or rates.DEFAULT_PERIOD
        return rates.period(kind, self.cleaned_data["start"], self.cleaned_data["end"])

    def dimension(self) -> str:
        value = self.data.get("dim")
        return value if value in self.dimensions else self.dimensions[0]

    def sort(self) -> str:
        value = self.data.get("sort")
        return value if value in rates.SORTS else "received"


def _building(request, code) -> Building:
    building = queries.building_by_code(code)
    if not permissions.may_view_figures(request.user, building):
        raise PermissionDenied(Action.CASE_FIGURES)
    return building


def _district(request, code) -> PartyCommittee:
    district = queries.district_by_code(code)
    if not permissions.may_view_figures(request.user, district):
        raise PermissionDenied(Action.CASE_FIGURES)
    return district


def _query(period: rates.Period, **extra) -> str:
    """The query string of a dashboard link, keeping the period."""
    params = {"period": period.kind}
    if period.kind == "custom":
        params.update(start=f"{period.first:%Y-%m}", end=f"{period.last:%Y-%m}")
    params.update({k: v for k, v in extra.items() if v})
    return urlencode(params)


def _dashboard(request, scope, *, export_url: str, breadcrumbs):
    dimensions = rates.dimensions_of(scope)
    form = DashboardForm(request.GET or None, dimensions=dimensions)
    period = form.chosen_period()
    dimension, sort = form.dimension(), form.sort()
    report = rates.report(scope, period, dimension, sort)
    tabs = [
        {"dim": d, "label": DIMENSION_LABELS[d], "current": d == dimension, "query": _query(period, dim=d, sort=sort)}
        for d in dimensions
    ]
    columns = [
        {"sort": "received", "label": pgettext("figures", "Received")},
        *({"sort": name, "label": RATE_LABELS[name]} for name in RATES),
    ]
    for column in columns:
        column["query"] = _query(period, dim=dimension, sort=column["sort"])
        column["current"] = column["sort"] == sort
    cards = [
        {"name": name, "label": RATE_LABELS[name], "value": report.total.shown[name],
         "numerator": getattr(report.total, RATES[name][0]), "denominator": getattr(report.total, RATES[name][1])}
        for name in RATES
    ]
    if dimension == Dimension.BUILDING and not isinstance(scope, Building):
        base = reverse("cases:building_dashboard", args=["CODE"])
        for row in report.rows:
            if row.code:
                row.url = f"{base.replace('CODE', row.code)}?{_query(period)}"
    district = scope.party_committee if isinstance(scope, Building) else None
    district_url = (f"{reverse('cases:district_dashboard', args=[district.code])}?{_query(period)}"
                    if district is not None and permissions.may_view_figures(request.user, district) else "")
    table = [_table_row(row.label, row.url, row.figures, row.worst) for row in report.rows]
    return render(request, "cases/dashboards/dashboard.html", {
        "table": table, "table_total": _table_row(pgettext("figures", "Total"), "", report.total, set()),
        "scope": scope, "is_building": isinstance(scope, Building), "form": form, "report": report,
        "period": period, "periods": list(PERIODS.items()), "tabs": tabs, "columns": columns, "cards": cards,
        "dimension_label": DIMENSION_LABELS[dimension], "rate_names": list(RATES),
        "chart": rates.chart_data(report), "export_url": f"{export_url}?{_query(period)}",
        "district_url": district_url, "breadcrumbs": breadcrumbs,
    })


def _table_row(label: str, url: str, figures: rates.Figures, worst: set[str]) -> dict:
    """One line of a dashboard's table, ready to print (a page may hold hundreds of them)."""
    return {
        "label": label, "url": url, "received": figures.received, "merged": figures.merged,
        "cells": [(text, name in worst) for name, text in figures.shown.items()],
        "overdue": figures.overdue, "reopened": figures.reopened,
    }


@login_required
def building(request, code):
    building = _building(request, code)
    return _dashboard(
        request, building, export_url=reverse("cases:building_figures_export", args=[building.code]),
        breadcrumbs=[
            (_("Buildings"), reverse("buildings:building_list")),
            (building.name, reverse("buildings:building_detail", args=[building.code])),
            (_("Case figures"), ""),
        ],
    )


@login_required
def district(request, code):
    district = _district(request, code)
    return _dashboard(
        request, district, export_url=reverse("cases:district_figures_export", args=[district.code]),
        breadcrumbs=[(district.name, ""), (_("Case figures"), "")],
    )


# ----------------------------------------------------------------------------------------------
# Excel


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


def _workbook(scope, period: rates.Period) -> bytes:
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
    for dimension in rates.dimensions_of(scope):
        sheet = workbook.create_sheet(str(DIMENSION_LABELS[dimension])[:31])
        sheet.append([str(DIMENSION_LABELS[dimension]), *(str(h) for h, _c in COLUMNS)])
        for cell in sheet[1]:
            cell.font = bold
        for row in rates.rows(scope, period, dimension, sort="label"):
            _row(sheet, row.label, row.figures)
        sheet.column_dimensions["A"].width = 24
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


def _export(request, scope, code: str):
    form = DashboardForm(request.GET or None, dimensions=rates.dimensions_of(scope))
    period = form.chosen_period()
    data = _workbook(scope, period)
    filename = f"{code}-case-figures-{period.first:%Y%m}-{period.last:%Y%m}.xlsx"
    response = FileResponse(io.BytesIO(data), as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def building_export(request, code):
    building = _building(request, code)
    return _export(request, building, building.code)


@login_required
def district_export(request, code):
    district = _district(request, code)
    return _export(request, district, district.code)

