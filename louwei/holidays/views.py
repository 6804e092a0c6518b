"""The official calendar's pages (CALENDAR_MANAGE: district staff and superusers): the years and
where each comes from, and one year's days off and make-up working days, previewed before saved."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from louwei import access
from louwei.access import Action
from louwei.core import workdays
from louwei.core.forms import apply_validation_error
from louwei.core.models import CalendarYear

from . import queries, services
from .forms import YearChoiceForm, YearForm


def _trail(*items):
    return [(_("Holidays and make-up working days"), reverse("holidays:index")), *items]


@login_required
@require_GET
def index(request):
    access.require_nationwide(request.user, Action.CALENDAR_MANAGE)
    form = YearChoiceForm(request.GET if "year" in request.GET else None)
    if form.is_bound and form.is_valid():
        return redirect("holidays:year", form.cleaned_data["year"])
    return render(request, "holidays/index.html", {
        "rows": queries.years(),
        "missing": workdays.missing_years(),
        "package_years": sorted(workdays.package_years()),
        "form": form,
        "breadcrumbs": _trail(),
    })


@login_required
@require_http_methods(["GET", "POST"])
def year(request, year: int):
    access.require_nationwide(request.user, Action.CALENDAR_MANAGE)
    try:
        year = services.check_year(year)
    except ValidationError:
        raise Http404 from None
    plan = None
    if request.method == "POST":
        form = YearForm(request.POST)
        if form.is_valid():
            fields = {key: form.cleaned_data[key] for key in ("days_off", "working_days", "notice")}
            try:
                plan = services.plan_year(year=year, **fields)
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                if "save" in request.POST and form.cleaned_data["previewed"] == plan.fingerprint:
                    try:
                        services.save_year(actor=request.user, year=year, via="web", **fields)
                    except ValidationError as error:
                        apply_validation_error(form, error)
                        plan = None
                    else:
                        messages.success(request, _("The calendar of %(year)d is saved. The deadlines of open "
                                                    "cases are being recomputed.") % {"year": year})
                        return redirect("holidays:index")
                elif "save" in request.POST:
                    messages.warning(request, _("The text changed since the preview: check this preview, then save."))
                if plan is not None:
                    data = request.POST.copy()
                    data["previewed"] = plan.fingerprint
                    form = YearForm(data)
    else:
        days_off, working_days, notice = services.current_text(year)
        form = YearForm(initial={"days_off": days_off, "working_days": working_days, "notice": notice})
    title = _("Holidays and make-up working days of %(year)d") % {"year": year}
    return render(request, "holidays/year.html", {
        "year": year,
        "title": title,
        "form": form,
        "plan": plan,
        "from_package": workdays.source_of(year) == workdays.PACKAGE,
        "calendar": CalendarYear.objects.filter(year=year).select_related("entered_by").first(),
        "breadcrumbs": _trail((str(year), "")),
    })
