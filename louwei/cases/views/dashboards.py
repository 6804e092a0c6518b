"""The rates, by building and by district, with ECharts, and their Excel export.

Thin: parse the period and the dimension, ask ``permissions.may_view_figures``, read ``rates``
(the monthly figures only: a fixed number of queries whatever the number of cases), render."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy
from django.views.decorators.http import require_http_methods

from louwei.access import Action
from louwei.buildings.models import Building, PartyCommittee
from louwei.jobs import views as job_pages

from louwei.core.forms import DateField

from .. import jobs, permissions, queries, rates
from ..models import Dimension
from ..rates import DIMENSION_LABELS, PERIODS, RATE_LABELS, RATES


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


def _export(request, scope, back_url: str):
    """The figures of the period on the page, as an Excel workbook made in the background."""
    form = DashboardForm(request.GET or None, dimensions=rates.dimensions_of(scope))
    period = form.chosen_period()
    return job_pages.start_page(
        request, kind=jobs.FIGURES, target=scope, params=jobs.figures_params(period),
        title=_("Export the case figures of %(scope)s, %(period)s") % {"scope": str(scope), "period": period.label},
        back_url=f"{back_url}?{_query(period)}",
    )


@login_required
@require_http_methods(["GET", "POST"])
def building_export(request, code):
    building = _building(request, code)
    return _export(request, building, reverse("cases:building_dashboard", args=[building.code]))


@login_required
@require_http_methods(["GET", "POST"])
def district_export(request, code):
    district = _district(request, code)
    return _export(request, district, reverse("cases:district_dashboard", args=[district.code]))
