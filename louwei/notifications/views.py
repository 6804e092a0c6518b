"""Pages: the person's inbox and notification settings; the staff's delivery log and group-chat robots."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from louwei import access
from louwei.access import Action
from louwei.buildings.models import Building
from louwei.core.forms import apply_validation_error

from . import events, queries, services
from .forms import EndpointForm, PreferencesForm
from .models import Channel, Message, WebhookEndpoint

# ----------------------------------------------------------------------------------------------
# The person's own pages


@login_required
def inbox(request):
    page = queries.inbox_page(request.user, request.GET.get("page"))
    return render(request, "notifications/inbox.html", {
        "page": page, "unread": queries.unread_count(request.user),
    })


@login_required
@require_POST
def mark_read(request, pk):
    message = get_object_or_404(Message, pk=pk, user=request.user, channel=Channel.INBOX)
    services.mark_read(actor=request.user, message_id=message.pk)
    if request.htmx:
        message.refresh_from_db()
        response = render(request, "notifications/_inbox_item.html", {"message": message})
        response["HX-Trigger"] = "inbox-changed"
        return response
    return redirect("notifications:inbox")


@login_required
@require_POST
def open_message(request, pk):
    """Mark the message read and follow its link (only to this site)."""
    message = get_object_or_404(Message, pk=pk, user=request.user, channel=Channel.INBOX)
    services.mark_read(actor=request.user, message_id=message.pk)
    target = message.url
    if not target or not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = reverse("notifications:inbox")
    return redirect(target)


@login_required
@require_POST
def mark_all_read(request):
    count = services.mark_all_read(actor=request.user)
    if count:
        messages.success(request, _("All notifications marked read."))
    return redirect("notifications:inbox")


@login_required
def unread_badge(request):
    """The unread count as a fragment, for htmx to refresh the shell's badge."""
    return render(request, "notifications/_unread_badge.html", {"inbox_unread": queries.unread_count(request.user)})


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    settings_ = services.settings_for(request.user)
    initial = PreferencesForm.initial_for(services.enabled_channels(request.user), settings_)
    form = PreferencesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_preferences(
                actor=request.user, choices=form.choices(), quiet_start=form.cleaned_data["quiet_start"],
                quiet_end=form.cleaned_data["quiet_end"], email_digest=form.cleaned_data["email_digest"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Your notification settings are saved."))
            return redirect("notifications:settings")
    return render(request, "notifications/preferences.html", {
        "form": form, "channels": [Channel(c) for c in events.PERSONAL_CHANNELS],
        "has_email": bool(request.user.email),
    }, status=400 if form.errors else 200)


# ----------------------------------------------------------------------------------------------
# Staff: the building's delivery log and group-chat robots


def _building(code) -> Building:
    return get_object_or_404(Building, code=code)


def _staff_page(request, template, building, here, context, status=200):
    trail = [
        (_("Buildings"), reverse("buildings:building_list")),
        (building.name, reverse("buildings:building_detail", args=[building.code])),
        (_("Notifications"), reverse("notifications:building", args=[building.code])),
    ]
    if here:
        trail.append((here, ""))
    return render(request, template, {**context, "building": building, "current_building": building,
                                      "breadcrumbs": trail}, status=status)


@login_required
def building(request, code):
    """The delivery log (``audit.view``) and the group-chat robots (``building.edit``) of a building."""
    building = _building(code)
    can_log = access.can(request.user, Action.AUDIT_VIEW, building)
    can_robots = access.can(request.user, Action.BUILDING_EDIT, building)
    if not (can_log or can_robots):
        raise PermissionDenied
    return _staff_page(request, "notifications/building.html", building, None, {
        "can_log": can_log, "can_robots": can_robots,
        "log": queries.delivery_log(building, request.GET.get("page")) if can_log else None,
        "endpoints": list(queries.endpoints_of(building)) if can_robots else [],
    })


def _endpoint_form_page(request, building, endpoint):
    old_secret = endpoint.secret if endpoint else ""
    form = EndpointForm(request.POST or None, instance=endpoint, building=building)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.save_endpoint(
                actor=request.user, building=building, endpoint=endpoint, name=data["name"], kind=data["kind"],
                url=data["url"], floor=data["floor"], secret=data["secret"] or old_secret, active=data["active"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The group-chat robot is saved."))
            return redirect("notifications:building", building.code)
    title = _("Edit group-chat robot") if endpoint else _("Add a group-chat robot")
    return _staff_page(request, "notifications/endpoint_form.html", building, title, {
        "form": form, "title": title,
    }, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def endpoint_create(request, code):
    building = _building(code)
    access.require(request.user, Action.BUILDING_EDIT, building)
    return _endpoint_form_page(request, building, None)


@login_required
@require_http_methods(["GET", "POST"])
def endpoint_edit(request, pk):
    endpoint = get_object_or_404(WebhookEndpoint.objects.select_related("building"), pk=pk)
    access.require(request.user, Action.BUILDING_EDIT, endpoint.building)
    return _endpoint_form_page(request, endpoint.building, endpoint)


@login_required
@require_POST
def endpoint_test(request, pk):
    endpoint = get_object_or_404(WebhookEndpoint.objects.select_related("building"), pk=pk)
    access.require(request.user, Action.BUILDING_EDIT, endpoint.building)
    attempt = services.test_endpoint(actor=request.user, endpoint=endpoint)
    if attempt.ok:
        messages.success(request, _("The test message was delivered."))
    else:
        messages.error(request, _("The test message failed: %(error)s") % {"error": attempt.error})
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("notifications:building", args=[endpoint.building.code])
        return response
    return redirect("notifications:building", endpoint.building.code)
