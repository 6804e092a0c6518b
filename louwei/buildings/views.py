"""The registry's staff pages. Each view parses input, asks ``louwei.access``, calls a service or a
query, and renders. Anonymous visitors are sent to the login page; a "no" from access is a 403."""

from __future__ import annotations

import io

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from louwei import access
from louwei.access import Action
from louwei.centre import services as centre_services
from louwei.centre.forms import CentreForm, FacilityForm
from louwei.centre.models import Facility
from louwei.centre.queries import centre_of
from louwei.core.forms import apply_validation_error
from louwei.jobs import queries as job_queries
from louwei.jobs import services as job_services
from louwei.jobs import views as job_pages

from . import jobs, queries, roster, services
from .forms import (
    BuildingForm,
    ContactForm,
    EnterpriseCreateForm,
    EnterpriseForm,
    FloorForm,
    MoveInForm,
    MoveOutForm,
    RosterConfirmForm,
    RosterUploadForm,
    UnitForm,
    UnitsForm,
)
from .models import Building, Enterprise, EnterpriseContact, Floor, Occupancy, Unit

def _building(code: str) -> Building:
    """The building by its code, whatever the case it is typed in (codes are stored in capitals)."""
    return get_object_or_404(
        Building.objects.select_related("party_committee", "property_company"), code=code.strip().upper()
    )


def _xlsx_response(data: bytes, filename: str) -> FileResponse:
    response = FileResponse(
        io.BytesIO(data), as_attachment=True, filename=filename, content_type=roster.XLSX_CONTENT_TYPE
    )
    response["Cache-Control"] = "private, no-store"
    return response


# ----------------------------------------------------------------------------------------------
# Buildings


@login_required
@require_GET
def building_list(request):
    if not access.is_building_staff(request.user):
        raise PermissionDenied(Action.BUILDING_VIEW)
    buildings = list(queries.buildings_for(request.user))
    return render(request, "buildings/building_list.html", {"buildings": buildings})


@login_required
@require_GET
def building_detail(request, code):
    building = _building(code)
    access.require(request.user, Action.BUILDING_VIEW, building)
    user = request.user
    my_floors = set(queries.visible_floors(user, building).values_list("pk", flat=True))
    floors = list(queries.floors_of(building))
    can = {
        "edit": access.can(user, Action.BUILDING_EDIT, building),
        "create": access.can(user, Action.ENTERPRISE_CREATE, building),
        "import": access.can(user, Action.ROSTER_IMPORT, building),
        "export": access.can(user, Action.ROSTER_EXPORT, building),
        "committee": access.can(user, Action.COMMITTEE_MANAGE, building),
        "posters": access.can(user, Action.POSTER_PRINT, building),
    }
    centre = centre_of(building, with_unused=can["edit"])
    manage = None
    if can["edit"]:
        floors_up = building.floors.order_by("number")
        manage = {
            "floor_form": FloorForm(),
            "units_form": UnitsForm(floors=floors_up),
            "centre_form": CentreForm(floors=floors_up, initial=CentreForm.initial_from(centre)),
            "facility_form": FacilityForm() if centre is not None else None,
        }
    return render(
        request,
        "buildings/building_detail.html",
        {
            "building": building,
            "floors": floors,
            "my_floors": my_floors,
            "whole_building": len(my_floors) == len(floors),
            "counts": queries.building_counts(building),
            "centre": centre,
            "can": can,
            "manage": manage,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def building_edit(request, code):
    building = _building(code)
    access.require(request.user, Action.BUILDING_EDIT, building)
    form = BuildingForm(request.POST or None, initial=BuildingForm.initial_from(building))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_building(actor=request.user, building=building, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("The building was saved."))
            return redirect("buildings:building_detail", code=building.code)
    return render(request, "buildings/building_form.html", {"building": building, "form": form})


# ----------------------------------------------------------------------------------------------
# Enterprises


@login_required
@require_GET
def enterprise_list(request, code):
    building = _building(code)
    access.require(request.user, Action.BUILDING_VIEW, building)
    result = queries.enterprise_list(request.user, building, request.GET, request.GET.get("page"))
    context = {
        "building": building,
        "result": result,
        "filter": result.filterset,
        "page": result.page,
        "can_create": access.can(request.user, Action.ENTERPRISE_CREATE, building),
        "can_import": access.can(request.user, Action.ROSTER_IMPORT, building),
        "can_export": access.can(request.user, Action.ROSTER_EXPORT, building),
    }
    if request.htmx and request.htmx.target == "enterprise-results":
        return render(request, "buildings/_enterprise_results.html", context)
    return render(request, "buildings/enterprise_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def enterprise_create(request, code):
    building = _building(code)
    access.require(request.user, Action.ENTERPRISE_CREATE, building)
    floors = building.floors.order_by("number")
    form = EnterpriseCreateForm(request.POST or None, floors=floors)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            enterprise = services.create_enterprise(actor=request.user, building=building, **data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("%(name)s was registered.") % {"name": enterprise.name})
            return redirect("buildings:enterprise_detail", pk=enterprise.pk)
    return render(request, "buildings/enterprise_form.html", {"building": building, "form": form, "creating": True})


def _staff_building(user, enterprise: Enterprise) -> Building | None:
    """The first building the enterprise is in whose staff pages the user may open (for breadcrumbs)."""
    for building in queries.enterprise_buildings(enterprise):
        if access.can(user, Action.BUILDING_VIEW, building):
            return building
    return None


def _enterprise(request, pk: int, action: str) -> Enterprise:
    enterprise = get_object_or_404(Enterprise, pk=pk)
    access.require(request.user, action, enterprise)
    return enterprise


@login_required
@require_GET
def enterprise_detail(request, pk):
    enterprise = _enterprise(request, pk, Action.ENTERPRISE_VIEW)
    user = request.user
    detail = queries.enterprise_detail(enterprise)
    show_history = any(access.can(user, Action.AUDIT_VIEW, b) for b in detail.buildings) or user.is_superuser
    manageable = {o.pk for o in detail.current_occupancies if access.can(user, Action.OCCUPANCY_MANAGE, o.unit.floor)}
    staff_buildings = [b for b in detail.buildings if access.can(user, Action.BUILDING_VIEW, b)]
    building = staff_buildings[0] if staff_buildings else None
    return render(
        request,
        "buildings/enterprise_detail.html",
        {
            "enterprise": enterprise,
            "detail": detail,
            "building": building,
            "current_building": building,
            "can_edit": access.can(user, Action.ENTERPRISE_EDIT, enterprise),
            "can_move_in": access.can(user, Action.OCCUPANCY_MANAGE, enterprise),
            "manageable": manageable,
            "audit": queries.audit_history(enterprise) if show_history else None,
            "changes": queries.enterprise_changes(enterprise) if show_history else None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def enterprise_edit(request, pk):
    enterprise = _enterprise(request, pk, Action.ENTERPRISE_EDIT)
    form = EnterpriseForm(request.POST or None, initial=EnterpriseForm.initial_from(enterprise))
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.update_enterprise(actor=request.user, enterprise=enterprise, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            if changed:
                messages.success(request, _("The changes were saved."))
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect("buildings:enterprise_detail", pk=enterprise.pk)
    return render(
        request,
        "buildings/enterprise_form.html",
        {
            "enterprise": enterprise,
            "form": form,
            "creating": False,
            "building": _staff_building(request.user, enterprise),
        },
    )


# ----------------------------------------------------------------------------------------------
# Move-in and move-out


@login_required
@require_http_methods(["GET", "POST"])
def move_in(request, pk):
    enterprise = _enterprise(request, pk, Action.OCCUPANCY_MANAGE)
    floors = access.floors(request.user, Action.OCCUPANCY_MANAGE).select_related("building").order_by(
        "building__code", "number"
    )
    form = MoveInForm(request.POST or None, floors=floors)
    if request.method == "POST" and form.is_valid():
        try:
            services.move_in(
                actor=request.user,
                enterprise=enterprise,
                floor=form.cleaned_data["floor"],
                unit_number=form.cleaned_data["unit_number"],
                started_on=form.cleaned_data["started_on"],
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("The move-in was recorded."))
            return redirect("buildings:enterprise_detail", pk=enterprise.pk)
    return render(
        request,
        "buildings/move_in.html",
        {"enterprise": enterprise, "form": form, "building": _staff_building(request.user, enterprise)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def move_out(request, pk):
    occupancy = get_object_or_404(
        Occupancy.objects.select_related("enterprise", "unit__floor__building__party_committee"), pk=pk
    )
    access.require(request.user, Action.OCCUPANCY_MANAGE, occupancy.unit.floor)
    if occupancy.ended_on is not None:
        raise Http404(_("This enterprise has already moved out of this unit."))
    form = MoveOutForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.move_out(actor=request.user, occupancy=occupancy, ended_on=form.cleaned_data["ended_on"])
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("The move-out was recorded; the occupancy stays in the history."))
            return redirect("buildings:enterprise_detail", pk=occupancy.enterprise_id)
    return render(
        request,
        "buildings/move_out.html",
        {
            "occupancy": occupancy,
            "enterprise": occupancy.enterprise,
            "form": form,
            "building": occupancy.unit.floor.building,
        },
    )


# ----------------------------------------------------------------------------------------------
# Contacts


@login_required
@require_http_methods(["GET", "POST"])
def contact_add(request, pk):
    enterprise = _enterprise(request, pk, Action.ENTERPRISE_EDIT)
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_contact(actor=request.user, enterprise=enterprise, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("The contact was added."))
            return redirect("buildings:enterprise_detail", pk=enterprise.pk)
    return render(
        request,
        "buildings/contact_form.html",
        {
            "enterprise": enterprise,
            "form": form,
            "contact": None,
            "building": _staff_building(request.user, enterprise),
        },
    )


def _contact(request, pk: int) -> EnterpriseContact:
    contact = get_object_or_404(EnterpriseContact.objects.select_related("enterprise"), pk=pk)
    access.require(request.user, Action.ENTERPRISE_EDIT, contact.enterprise)
    return contact


@login_required
@require_http_methods(["GET", "POST"])
def contact_edit(request, pk):
    contact = _contact(request, pk)
    form = ContactForm(request.POST or None, initial=ContactForm.initial_from(contact))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_contact(actor=request.user, contact=contact, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("The contact was saved."))
            return redirect("buildings:enterprise_detail", pk=contact.enterprise_id)
    return render(
        request,
        "buildings/contact_form.html",
        {
            "enterprise": contact.enterprise,
            "form": form,
            "contact": contact,
            "building": _staff_building(request.user, contact.enterprise),
        },
    )


@login_required
@require_POST
def contact_remove(request, pk):
    contact = _contact(request, pk)
    enterprise_id = contact.enterprise_id
    services.remove_contact(actor=request.user, contact=contact)
    messages.success(request, _("The contact was removed."))
    return redirect("buildings:enterprise_detail", pk=enterprise_id)


# ----------------------------------------------------------------------------------------------
# Roster


@login_required
@require_GET
def roster_template(request, code):
    building = _building(code)
    access.require(request.user, Action.ROSTER_IMPORT, building)
    return _xlsx_response(roster.template_workbook(), "louwei-roster-template.xlsx")


@login_required
@require_http_methods(["GET", "POST"])
def roster_export(request, code):
    """The export runs in the background: the button starts it, the job page follows it."""
    building = _building(code)
    access.require(request.user, Action.ROSTER_EXPORT, building)
    return job_pages.start_page(
        request, kind=jobs.EXPORT, target=building,
        title=_("Export the roster of %(building)s") % {"building": building.name},
        back_url=reverse("buildings:enterprise_list", args=[building.code]),
    )


def _own_job(request, pk):
    try:
        return job_queries.job_for(request.user, pk)
    except Http404:
        return None


@login_required
@require_http_methods(["GET", "POST"])
def roster_import(request, code):
    """Upload → check (a dry run, in the background) → preview → confirm → import (in the background)
    → result. The uploaded file waits, privately, as the check's input until it is confirmed."""
    building = _building(code)
    access.require(request.user, Action.ROSTER_IMPORT, building)
    context = {"building": building, "max_rows": settings.LOUWEI_MAX_ROSTER_ROWS}

    if request.method == "POST" and request.POST.get("step") == "confirm":
        confirm = RosterConfirmForm(request.POST)
        source = _own_job(request, confirm.cleaned_data["job"]) if confirm.is_valid() else None
        if source is None:
            messages.error(request, _("The uploaded file has expired or was already used; upload it again."))
            return redirect("buildings:roster_import", code=building.code)
        try:
            job = job_services.start(
                actor=request.user, kind=jobs.IMPORT, target=building, upload_from=source,
                params={"file": source.input_name, "skip_invalid": confirm.cleaned_data["skip_invalid"]},
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("buildings:roster_import", code=building.code)
        return redirect(job)

    form = RosterUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = job_services.start(
                actor=request.user, kind=jobs.CHECK, target=building, params={"file": upload.name},
                upload=(upload.name, form.data_bytes),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect(job)
    return render(request, "buildings/roster_import.html", {**context, "form": form})


@login_required
@require_GET
def roster_report(request, code, job):
    """A finished check (the preview, with the confirmation) or import (the result)."""
    building = _building(code)
    access.require(request.user, Action.ROSTER_IMPORT, building)
    found = job_queries.job_for(request.user, job)
    if found.kind not in (jobs.CHECK, jobs.IMPORT) or found.target_id != str(building.pk):
        raise Http404("not a roster import of this building")
    if not found.is_done:
        return redirect(found)
    report = jobs.report_from(found.data or {})
    context = {
        "building": building, "report": report, "job": found,
        "has_rejected": found.has_file, "rejected_url": found.download_url,
    }
    if report.written:
        return render(request, "buildings/roster_result.html", context)
    # The check, or an import whose rows went bad since the check: the preview, to confirm again.
    confirm = RosterConfirmForm(initial={"job": found.pk}) if found.input else None
    return render(request, "buildings/roster_preview.html", {**context, "confirm": confirm})


@login_required
@require_GET
def roster_rejected(request, code):
    """The rejected rows of the person's latest check or import of this building (an old address:
    the file is now the job's)."""
    building = _building(code)
    access.require(request.user, Action.ROSTER_IMPORT, building)
    found = job_queries.latest_with_file(request.user, kinds=[jobs.CHECK, jobs.IMPORT], target=building)
    if found is None:
        raise Http404(_("There is no file of rejected rows; it is deleted a while after the import."))
    return redirect(found.download_url)


# ----------------------------------------------------------------------------------------------
# Floors, units, the service centre and its facilities (Action.BUILDING_EDIT). The forms sit on the
# building page; each posts to its own address. With htmx a form with errors is swapped in place and
# success reloads the page; without JavaScript the errors come on a page of their own.


def _editable_building(request, code: str) -> Building:
    building = _building(code)
    access.require(request.user, Action.BUILDING_EDIT, building)
    return building


def _done(request, url: str):
    """After a change: back to ``url`` (htmx: the browser goes there, so the page shows the change)."""
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


def _building_url(building: Building, anchor: str = "") -> str:
    url = reverse("buildings:building_detail", args=[building.code])
    return f"{url}#{anchor}" if anchor else url


def _manage_form(request, form, *, building: Building, title: str, action: str, submit: str, cancel: str,
                 form_id: str):
    """The form alone for htmx (swapped in place), else a page holding it."""
    context = {
        "building": building,
        "form": form,
        "title": title,
        "action": action,
        "submit": submit,
        "cancel": cancel,
        "form_id": form_id,
    }
    if request.htmx:
        return render(request, "buildings/_manage_form.html", context)
    return render(request, "buildings/manage_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def floor_create(request, code):
    building = _editable_building(request, code)
    form = FloorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            floor = services.create_floor(actor=request.user, building=building, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Floor %(floor)s was added.") % {"floor": floor.label})
            return _done(request, _building_url(building, "floors"))
    return _manage_form(
        request, form, building=building, title=_("Add a floor"),
        action=reverse("buildings:floor_create", args=[building.code]), submit=_("Add the floor"),
        cancel=_building_url(building, "floors"), form_id="floor-form",
    )


@login_required
@require_http_methods(["GET", "POST"])
def units_create(request, code):
    building = _editable_building(request, code)
    floors = building.floors.order_by("number")
    fixed = None
    if request.GET.get("floor"):
        fixed = floors.filter(pk=request.GET["floor"]).first() if request.GET["floor"].isdigit() else None
    form = UnitsForm(request.POST or None, floors=floors, floor=fixed)
    if request.method == "POST" and form.is_valid():
        floor = form.cleaned_data["floor"]
        try:
            units = services.create_units(
                actor=request.user, floor=floor, numbers=form.cleaned_data["numbers"], area=form.cleaned_data["area"]
            )
        except ValidationError as exc:
            apply_validation_error(form, exc, {"unit_number": "numbers"})
        else:
            messages.success(
                request,
                _("Added to %(floor)s: %(units)s.")
                % {"floor": floor.label, "units": ", ".join(u.number for u in units)},
            )
            target = reverse("buildings:floor_units", args=[floor.code]) if fixed else _building_url(building, "floors")
            return _done(request, target)
    action = reverse("buildings:units_create", args=[building.code])
    if fixed:
        action += f"?floor={fixed.pk}"
    return _manage_form(
        request, form, building=building, title=_("Add units"), action=action, submit=_("Add the units"),
        cancel=reverse("buildings:floor_units", args=[fixed.code]) if fixed else _building_url(building, "floors"),
        form_id="units-form",
    )


def _floor(request, floor_code: str) -> Floor:
    floor = get_object_or_404(
        Floor.objects.select_related("building__party_committee"), code=floor_code.strip().upper()
    )
    access.require(request.user, Action.BUILDING_EDIT, floor.building)
    return floor


@login_required
@require_GET
def floor_units(request, floor_code):
    """A floor's units, to rename them or set their area, and to add more."""
    floor = _floor(request, floor_code)
    building = floor.building
    units = queries.units_of(floor)
    form = UnitsForm(floors=building.floors.filter(pk=floor.pk), floor=floor)
    units_action = reverse("buildings:units_create", args=[building.code]) + f"?floor={floor.pk}"
    return render(
        request,
        "buildings/floor_units.html",
        {"building": building, "floor": floor, "units": units, "form": form, "units_action": units_action},
    )


def _unit(request, pk: int) -> Unit:
    unit = get_object_or_404(Unit.objects.select_related("floor__building__party_committee"), pk=pk)
    access.require(request.user, Action.BUILDING_EDIT, unit.floor.building)
    return unit


@login_required
@require_http_methods(["GET", "POST"])
def unit_edit(request, pk):
    """Rename a unit or change its area; with htmx the row of the floor's list turns into the form."""
    unit = _unit(request, pk)
    floor = unit.floor
    form = UnitForm(request.POST or None, initial=UnitForm.initial_from(unit))
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.update_unit(actor=request.user, unit=unit, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc, {"unit_number": "number"})
        else:
            if request.htmx:
                unit = queries.units_of(floor).get(pk=unit.pk)
                return render(request, "buildings/_unit_row.html", {"unit": unit, "saved": True})
            if changed:
                messages.success(request, _("Unit %(unit)s was saved.") % {"unit": unit.number})
            return redirect("buildings:floor_units", floor_code=floor.code)
    if request.htmx:
        return render(request, "buildings/_unit_form_row.html", {"unit": unit, "form": form})
    return _manage_form(
        request, form, building=floor.building, title=_("Edit unit %(unit)s") % {"unit": unit.number},
        action=reverse("buildings:unit_edit", args=[unit.pk]), submit=_("Save"),
        cancel=reverse("buildings:floor_units", args=[floor.code]), form_id=f"unit-{unit.pk}-form",
    )


@login_required
@require_http_methods(["GET", "POST"])
def centre_edit(request, code):
    """Set up the building's service centre, or change its name, floor, hours, phone and services."""
    building = _editable_building(request, code)
    centre = centre_of(building)
    floors = building.floors.order_by("number")
    form = CentreForm(request.POST or None, floors=floors, initial=CentreForm.initial_from(centre))
    if request.method == "POST" and form.is_valid():
        try:
            if centre is None:
                centre_services.set_up_centre(actor=request.user, building=building, **form.cleaned_data)
            else:
                centre_services.update_centre(actor=request.user, centre=centre, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("The service centre was saved."))
            return _done(request, _building_url(building, "centre"))
    return _manage_form(
        request, form, building=building,
        title=_("Set up the service centre") if centre is None else _("Edit the service centre"),
        action=reverse("buildings:centre_edit", args=[building.code]), submit=_("Save"),
        cancel=_building_url(building, "centre"), form_id="centre-form",
    )


@login_required
@require_http_methods(["GET", "POST"])
def facility_add(request, code):
    building = _editable_building(request, code)
    centre = centre_of(building)
    if centre is None:
        raise Http404(_("This building has no service centre yet."))
    form = FacilityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            facility = centre_services.add_facility(actor=request.user, centre=centre, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("%(name)s was added.") % {"name": facility.name})
            return _done(request, _building_url(building, "centre"))
    return _manage_form(
        request, form, building=building, title=_("Add a facility"),
        action=reverse("buildings:facility_add", args=[building.code]), submit=_("Add the facility"),
        cancel=_building_url(building, "centre"), form_id="facility-form",
    )


def _facility(request, pk: int) -> Facility:
    facility = get_object_or_404(Facility.objects.select_related("centre__building__party_committee"), pk=pk)
    access.require(request.user, Action.BUILDING_EDIT, facility.centre.building)
    return facility


@login_required
@require_http_methods(["GET", "POST"])
def facility_edit(request, pk):
    """Change a facility; with htmx its row on the building page turns into the form."""
    facility = _facility(request, pk)
    building = facility.centre.building
    form = FacilityForm(request.POST or None, initial=FacilityForm.initial_from(facility))
    if request.method == "POST" and form.is_valid():
        try:
            centre_services.update_facility(actor=request.user, facility=facility, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            if request.htmx:
                return render(request, "buildings/_facility_row.html", {"facility": facility, "saved": True})
            messages.success(request, _("%(name)s was saved.") % {"name": facility.name})
            return redirect(_building_url(building, "centre"))
    if request.htmx:
        return render(request, "buildings/_facility_form_row.html", {"facility": facility, "form": form})
    return _manage_form(
        request, form, building=building, title=_("Edit %(name)s") % {"name": facility.name},
        action=reverse("buildings:facility_edit", args=[facility.pk]), submit=_("Save"),
        cancel=_building_url(building, "centre"), form_id=f"facility-{facility.pk}-form",
    )


@login_required
@require_POST
def facility_in_use(request, pk):
    """Take a facility out of use (``in_use=0``; it stays on record) or put it back (``in_use=1``)."""
    facility = _facility(request, pk)
    in_use = request.POST.get("in_use") == "1"
    centre_services.update_facility(actor=request.user, facility=facility, is_active=in_use)
    if request.htmx:
        return render(request, "buildings/_facility_row.html", {"facility": facility, "saved": True})
    if in_use:
        messages.success(request, _("%(name)s is in use again.") % {"name": facility.name})
    else:
        messages.success(request, _("%(name)s was taken out of use.") % {"name": facility.name})
    return redirect(_building_url(facility.centre.building, "centre"))
