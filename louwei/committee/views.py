"""Pages of the building committee: the staff page to appoint floor leaders, the public building and floor
pages (no login; the floor page is the QR target) and the PDF posters."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from louwei import access
from louwei.access import Action
from louwei.buildings.models import Floor
from louwei.core import files
from louwei.core.forms import apply_validation_error
from louwei.jobs import views as job_pages

from . import jobs, queries, services
from .forms import AppointForm, CommitteeForm, EndForm, LeaderEditForm, ReplaceForm, TermForm
from .models import FloorLeader

# A portrait's address changes with the photo (``FloorLeader.photo_url``), so browsers may keep it.
PHOTO_MAX_AGE = 7 * 24 * 3600


def _manage_url(building) -> str:
    return reverse("committee:manage", args=[building.code])


def _staff_page(request, template, building, here, context, status=200):
    """Render a staff page with the shell's breadcrumbs and current building."""
    trail = [
        (_("Buildings"), reverse("buildings:building_list")),
        (building.name, reverse("buildings:building_detail", args=[building.code])),
        (_("Floor leaders and the committee"), _manage_url(building)),
    ]
    if here:
        trail.append((here, ""))
    return render(request, template, {**context, "building": building, "current_building": building,
                                      "breadcrumbs": trail}, status=status)


# ----------------------------------------------------------------------------------------------
# Staff pages


@login_required
def manage(request, code):
    """The building's committee: terms and every floor with its serving leader. Viewers with
    ``building.view`` (property staff, committee members, floor leaders) see it read-only."""
    building = queries.building_by_code(code)
    access.require(request.user, Action.BUILDING_VIEW, building)
    can_manage = access.can(request.user, Action.COMMITTEE_MANAGE, building)
    overview = queries.committee_overview(building, history=True, centre=False)
    context = {
        "building": building,
        "overview": overview,
        "can_manage": can_manage,
        "can_print": access.can(request.user, Action.POSTER_PRINT, building),
        "printable_floors": set(access.floors(request.user, Action.POSTER_PRINT).filter(building=building)
                                .values_list("pk", flat=True)),
    }
    if can_manage:
        context["term_form"] = TermForm(initial={"number": queries.next_term_number(overview.terms)})
        context["committee_form"] = CommitteeForm(initial={
            "name": overview.committee.name if overview.committee else services.default_committee_name(building),
            "founded_on": overview.committee.founded_on if overview.committee else None,
            "phone": overview.committee.phone if overview.committee else "",
        })
    return _staff_page(request, "committee/manage.html", building, None, context)


@login_required
@require_http_methods(["POST"])
def committee_edit(request, code):
    building = queries.building_by_code(code)
    access.require(request.user, Action.COMMITTEE_MANAGE, building)
    form = CommitteeForm(request.POST)
    if form.is_valid():
        try:
            services.ensure_committee(
                actor=request.user, building=building, name=form.cleaned_data["name"],
                founded_on=form.cleaned_data["founded_on"], phone=form.cleaned_data["phone"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The committee is saved."))
            return redirect(_manage_url(building))
    title = _("The building committee")
    return _staff_page(request, "committee/form_page.html", building, title, {
        "form": form, "title": title, "action": reverse("committee:committee_edit", args=[building.code]),
    }, status=400)


@login_required
@require_http_methods(["POST"])
def term_create(request, code):
    building = queries.building_by_code(code)
    access.require(request.user, Action.COMMITTEE_MANAGE, building)
    form = TermForm(request.POST)
    if form.is_valid():
        try:
            term = services.open_term(actor=request.user, building=building, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("%(term)s is created.") % {"term": term.title})
            return redirect(_manage_url(building))
    title = _("New term")
    return _staff_page(request, "committee/form_page.html", building, title, {
        "form": form, "title": title, "action": reverse("committee:term_create", args=[building.code]),
    }, status=400)


def _floor_for_manage(request, floor_code) -> Floor:
    floor = get_object_or_404(Floor.objects.select_related("building"), code=floor_code)
    access.require(request.user, Action.COMMITTEE_MANAGE, floor.building)
    return floor


def _leader_for_manage(request, pk) -> FloorLeader:
    leader = get_object_or_404(
        FloorLeader.objects.select_related("floor__building", "user", "enterprise", "term"), pk=pk
    )
    access.require(request.user, Action.COMMITTEE_MANAGE, leader.floor.building)
    return leader


@login_required
@require_http_methods(["GET", "POST"])
def appoint(request, floor_code):
    floor = _floor_for_manage(request, floor_code)
    building = floor.building
    committee = queries.committee_of(building)
    terms = queries.terms_of(committee)
    if request.method == "GET" and queries.serving_leader(floor) is not None:
        # On a POST the service refuses instead, and the form shows why with what was entered.
        messages.info(request, _("%(floor)s already has a floor leader; end or replace the appointment.")
                      % {"floor": floor.label})
        return redirect(_manage_url(building) + f"#floor-{floor.number}")
    form_kwargs = {"building": building, "terms": terms, "current_term": queries.current_term(terms)}
    form = AppointForm(request.POST or None, request.FILES or None, **form_kwargs)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            leader = services.appoint_floor_leader(
                actor=request.user, floor=floor, term=data["term"], method=data["method"],
                started_on=data["started_on"], enterprise=data["enterprise"], nominated_by=data["nominated_by"],
                public_phone=data["public_phone"], photo=data["photo"], **form.person_arguments(),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("%(name)s is now the floor leader of %(floor)s.")
                             % {"name": leader.user, "floor": floor.label})
            return redirect(_manage_url(building) + f"#floor-{floor.number}")
    return _staff_page(request, "committee/appoint.html", building, _("Appoint a floor leader"), {
        "floor": floor, "form": form, "terms": terms, "replacing": None,
    }, status=400 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "POST"])
def replace(request, pk):
    leader = _leader_for_manage(request, pk)
    floor, building = leader.floor, leader.floor.building
    if request.method == "GET" and not leader.is_serving:
        messages.info(request, _("This appointment has already ended."))
        return redirect(_manage_url(building))
    terms = queries.terms_of(queries.committee_of(building))
    form = ReplaceForm(request.POST or None, request.FILES or None, building=building, terms=terms,
                       current_term=queries.current_term(terms))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            new = services.replace_floor_leader(
                actor=request.user, leader=leader, term=data["term"], method=data["method"],
                started_on=data["started_on"], reason=data["reason"], enterprise=data["enterprise"],
                nominated_by=data["nominated_by"], public_phone=data["public_phone"], photo=data["photo"],
                **form.person_arguments(),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("%(name)s is now the floor leader of %(floor)s.")
                             % {"name": new.user, "floor": floor.label})
            return redirect(_manage_url(building) + f"#floor-{floor.number}")
    return _staff_page(request, "committee/appoint.html", building, _("Replace the floor leader"), {
        "floor": floor, "form": form, "terms": terms, "replacing": leader,
    }, status=400 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "POST"])
def end(request, pk):
    leader = _leader_for_manage(request, pk)
    floor, building = leader.floor, leader.floor.building
    if request.method == "GET" and not leader.is_serving:
        messages.info(request, _("This appointment has already ended."))
        return redirect(_manage_url(building))
    form = EndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.end_floor_leader(actor=request.user, leader=leader, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The appointment of %(name)s on %(floor)s has ended.")
                             % {"name": leader.user, "floor": floor.label})
            return redirect(_manage_url(building) + f"#floor-{floor.number}")
    return _staff_page(request, "committee/end.html", building, _("End the appointment"), {
        "floor": floor, "leader": leader, "form": form,
    }, status=400 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "POST"])
def edit_leader(request, pk):
    leader = _leader_for_manage(request, pk)
    floor, building = leader.floor, leader.floor.building
    if request.method == "GET" and not leader.is_serving:
        messages.info(request, _("This appointment has already ended."))
        return redirect(_manage_url(building))
    initial = {"public_phone": leader.public_phone, "enterprise": leader.enterprise_id}
    form = LeaderEditForm(request.POST or None, request.FILES or None, building=building, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        changes = {"public_phone": data["public_phone"], "enterprise": data["enterprise"]}
        if data["photo"]:
            changes["photo"] = data["photo"]
        elif data["remove_photo"]:
            changes["photo"] = None
        try:
            services.update_floor_leader(actor=request.user, leader=leader, **changes)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The floor leader's details are saved."))
            return redirect(_manage_url(building) + f"#floor-{floor.number}")
    return _staff_page(request, "committee/edit_leader.html", building, _("Edit the floor leader"), {
        "floor": floor, "leader": leader, "form": form,
    }, status=400 if request.method == "POST" else 200)


# ----------------------------------------------------------------------------------------------
# Posters


@login_required
@require_http_methods(["GET", "POST"])
def floor_poster(request, floor_code):
    """Posters are made in the background: the button starts the job, its page offers the PDF."""
    floor = get_object_or_404(Floor.objects.select_related("building"), code=floor_code)
    access.require(request.user, Action.POSTER_PRINT, floor)
    return job_pages.start_page(
        request, kind=jobs.FLOOR, target=floor,
        title=_("Print the poster of floor %(floor)s") % {"floor": floor.label},
        back_url=_manage_url(floor.building) + f"#floor-{floor.number}",
    )


@login_required
@require_http_methods(["GET", "POST"])
def building_posters(request, code):
    building = queries.building_by_code(code)
    access.require(request.user, Action.POSTER_PRINT, building)
    return job_pages.start_page(
        request, kind=jobs.BUILDING, target=building,
        title=_("Print all floor posters of %(building)s") % {"building": building.name},
        back_url=_manage_url(building),
    )


# ----------------------------------------------------------------------------------------------
# Public pages: no login, only what may hang in a lift lobby


def public_building(request, code):
    building = queries.building_by_code(code)
    overview = queries.committee_overview(building)
    return render(request, "committee/public_building.html", {"building": building, "overview": overview})


def floor_page(request, floor_code):
    page = queries.floor_page(floor_code)
    return render(request, "committee/floor_page.html", {"page": page, "building": page.building})


@require_safe
def leader_photo(request, pk, version):
    """A floor leader's portrait: public while they serve (it hangs on the floor page and the poster);
    after that only for those who manage the building's committee. 404 for everyone else, and for an
    address whose photo has since changed."""
    leader = get_object_or_404(FloorLeader.objects.select_related("floor__building"), pk=pk)
    if not leader.photo or version != files.version(leader.photo):
        raise Http404("no such photo")
    if not leader.is_serving and not access.can(request.user, Action.COMMITTEE_MANAGE, leader.floor.building):
        raise Http404("not public")
    return files.serve(leader.photo, max_age=PHOTO_MAX_AGE)
