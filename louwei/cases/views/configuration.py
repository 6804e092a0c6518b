"""Categories, deadline rules, handlers and their staff (CASE_CONFIGURE).

Categories and deadline rules serve every building: superusers and district staff set them
(CASE_CONFIGURE on a district). A building's handlers are set by those with CASE_CONFIGURE on the
building (the committee secretary), a district's by its district staff. Every change goes through
the configuration services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from louwei import access
from louwei.access import Action
from louwei.buildings.models import PartyCommittee
from louwei.accounts import services as accounts_services
from louwei.core import workdays
from louwei.core.forms import apply_validation_error

from .. import permissions, queries, services
from ..forms.configuration import CategoryForm, DeadlineRuleForm, HandlerForm, MemberForm
from ..models import Category, DeadlineRule, Handler, HandlerMember, Urgency


def _require_categories(user) -> None:
    if not permissions.may_configure_catalogue(user):
        raise PermissionDenied(Action.CASE_CONFIGURE)


def _handler_scope(handler: Handler):
    return handler.building if handler.building_id else handler.party_committee


def _require_handler(user, handler: Handler) -> None:
    access.require(user, Action.CASE_CONFIGURE, _handler_scope(handler))


def _trail(*items):
    return [(_("Case settings"), reverse("cases:settings")), *items]


def _handler_url(handler: Handler) -> str:
    if handler.building_id:
        return reverse("cases:building_handlers", args=[handler.building.code])
    return reverse("cases:district_handlers", args=[handler.party_committee.code])


# ----------------------------------------------------------------------------------------------
# Categories and deadline rules


@login_required
def index(request):
    _require_categories(request.user)
    categories = Category.objects.select_related("parent", "default_handler").order_by("position", "code")
    rules = {rule.urgency: rule for rule in DeadlineRule.objects.all()}
    s = access.scope(request.user, Action.CASE_CONFIGURE)
    districts = PartyCommittee.objects.all() if s.everything else PartyCommittee.objects.filter(
        pk__in=s.party_committees)
    may_manage_calendar = access.can_nationwide(request.user, Action.CALENDAR_MANAGE)
    return render(request, "cases/settings/index.html", {
        "may_manage_calendar": may_manage_calendar,
        "calendar_missing": workdays.missing_years() if may_manage_calendar else [],
        "categories": categories,
        "rules": [rules[u] for u in Urgency.values if u in rules],
        "districts": districts.order_by("code"),
        "breadcrumbs": [(_("Case settings"), "")],
    })


@login_required
@require_http_methods(["GET", "POST"])
def category_create(request):
    _require_categories(request.user)
    form = CategoryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            category = services.save_category(actor=request.user, **form.fields_for_service())
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Category “%(name)s” saved.") % {"name": category.label})
            return redirect("cases:settings")
    return render(request, "cases/settings/form.html", {
        "form": form, "title": _("New category"), "breadcrumbs": _trail((_("New category"), "")),
    })


@login_required
@require_http_methods(["GET", "POST"])
def category_edit(request, pk):
    _require_categories(request.user)
    category = get_object_or_404(Category, pk=pk)
    form = CategoryForm(request.POST or None, instance=Category.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.save_category(actor=request.user, category=category, **form.fields_for_service())
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Category “%(name)s” saved.") % {"name": category.label})
            return redirect("cases:settings")
    return render(request, "cases/settings/form.html", {
        "form": form, "title": category.label, "breadcrumbs": _trail((category.label, "")),
    })


@login_required
@require_http_methods(["GET", "POST"])
def deadline_edit(request, urgency):
    _require_categories(request.user)
    rule = get_object_or_404(DeadlineRule, urgency=urgency)
    form = DeadlineRuleForm(request.POST or None, instance=DeadlineRule.objects.get(pk=rule.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.save_deadline_rule(actor=request.user, rule=rule, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Deadlines for “%(urgency)s” saved. New cases use them.")
                             % {"urgency": rule.get_urgency_display()})
            return redirect("cases:settings")
    title = _("Deadlines: %(urgency)s") % {"urgency": rule.get_urgency_display()}
    return render(request, "cases/settings/form.html", {
        "form": form, "title": title, "breadcrumbs": _trail((title, "")),
        "help": _("Deadlines count from the time the case is submitted; working hours and days follow China's "
                  "official calendar (holidays and make-up working days included)."),
    })


# ----------------------------------------------------------------------------------------------
# Handlers


def _members():
    return Prefetch(
        "members", queryset=HandlerMember.objects.filter(ended_at__isnull=True).select_related("user")
        .order_by("-is_manager", "user__name", "pk"), to_attr="current_members",
    )


@login_required
def building_handlers(request, code):
    building = queries.building_by_code(code)
    access.require(request.user, Action.CASE_CONFIGURE, building)
    handlers = Handler.objects.filter(building=building).prefetch_related(_members()).order_by("-is_active", "name")
    district = Handler.objects.filter(party_committee_id=building.party_committee_id, is_active=True).order_by("name")
    return render(request, "cases/settings/handlers.html", {
        "scope": building, "scope_key": f"building={building.code}", "handlers": handlers,
        "district_handlers": district, "current_building": building,
        "title": _("Handlers of %(name)s") % {"name": building.name},
        "breadcrumbs": [(building.name, reverse("buildings:building_detail", args=[building.code])),
                        (_("Handlers"), "")],
    })


@login_required
def district_handlers(request, code):
    district = queries.district_by_code(code)
    access.require(request.user, Action.CASE_CONFIGURE, district)
    handlers = Handler.objects.filter(party_committee=district).prefetch_related(_members()).order_by(
        "-is_active", "name")
    return render(request, "cases/settings/handlers.html", {
        "scope": district, "scope_key": f"district={district.code}", "handlers": handlers,
        "district_handlers": None, "title": _("Handlers of %(name)s") % {"name": district.name},
        "breadcrumbs": _trail((district.name, "")),
    })


def _scope_from_query(request):
    if request.GET.get("building"):
        return queries.building_by_code(request.GET["building"]), None
    if request.GET.get("district"):
        return None, queries.district_by_code(request.GET["district"])
    raise PermissionDenied("no scope")


@login_required
@require_http_methods(["GET", "POST"])
def handler_create(request):
    building, district = _scope_from_query(request)
    access.require(request.user, Action.CASE_CONFIGURE, building or district)
    form = HandlerForm(request.POST or None, district_level=district is not None)
    if request.method == "POST" and form.is_valid():
        try:
            handler = services.save_handler(actor=request.user, building=building, party_committee=district,
                                            **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Handler “%(name)s” saved. Add its staff now.") % {"name": handler.name})
            return redirect("cases:handler_edit", pk=handler.pk)
    scope = building or district
    return render(request, "cases/settings/form.html", {
        "form": form, "title": _("New handler of %(name)s") % {"name": scope.name},
        "breadcrumbs": _trail((scope.name, reverse("cases:building_handlers", args=[building.code]) if building
                               else reverse("cases:district_handlers", args=[district.code])),
                              (_("New handler"), "")),
    })


@login_required
@require_http_methods(["GET", "POST"])
def handler_edit(request, pk):
    handler = get_object_or_404(Handler.objects.select_related("building", "party_committee"), pk=pk)
    _require_handler(request.user, handler)
    form = HandlerForm(request.POST or None, instance=Handler.objects.get(pk=pk),
                       district_level=handler.party_committee_id is not None)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_handler(actor=request.user, handler=handler, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Handler “%(name)s” saved.") % {"name": handler.name})
            return redirect("cases:handler_edit", pk=handler.pk)
    return _handler_page(request, handler, form=form, member_form=MemberForm())


def _handler_page(request, handler, *, form, member_form, status=200):
    members = HandlerMember.objects.filter(handler=handler, ended_at__isnull=True).select_related("user").order_by(
        "-is_manager", "user__name", "pk")
    scope = _handler_scope(handler)
    return render(request, "cases/settings/handler.html", {
        "handler": handler, "form": form, "member_form": member_form, "members": members,
        "breadcrumbs": [(scope.name, _handler_url(handler)), (handler.name, "")],
    }, status=status)


@login_required
@require_POST
def member_add(request, pk):
    handler = get_object_or_404(Handler.objects.select_related("building", "party_committee"), pk=pk)
    _require_handler(request.user, handler)
    member_form = MemberForm(request.POST)
    if member_form.is_valid():
        data = member_form.cleaned_data
        try:
            with transaction.atomic():
                user = member_form.person_obj or accounts_services.create_person(
                    actor=request.user, name=data["new_name"], phone=data["new_phone"],
                    where=handler.building or handler.party_committee)
                member = services.add_handler_member(actor=request.user, handler=handler, user=user,
                                                     is_manager=data["is_manager"])
        except ValidationError as error:
            apply_validation_error(member_form, error, {"name": "new_name", "phone": "new_phone", "user": "person"})
        else:
            messages.success(request, _("%(name)s now works the cases of %(handler)s.")
                             % {"name": member.user.name or member.user.username, "handler": handler.name})
            return redirect("cases:handler_edit", pk=handler.pk)
    return _handler_page(request, handler, form=HandlerForm(instance=handler,
                                                            district_level=handler.party_committee_id is not None),
                         member_form=member_form, status=400)


@login_required
@require_POST
def member_end(request, pk):
    member = get_object_or_404(HandlerMember.objects.select_related("handler__building", "handler__party_committee",
                                                                    "user"), pk=pk)
    _require_handler(request.user, member.handler)
    try:
        services.end_handler_member(actor=request.user, member=member)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(name)s no longer works the cases of %(handler)s.")
                         % {"name": member.user.name or member.user.username, "handler": member.handler.name})
    return redirect("cases:handler_edit", pk=member.handler_id)
