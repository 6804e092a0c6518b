"""Pages of notices: the staff's list, editor, publication and reach; an enterprise's "notices for us";
the floor leader's "not yet read on my floors". Thin: parse, ask permissions, call services/queries."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from louwei import access
from louwei.access import Action
from louwei.buildings.models import Building, PartyCommittee
from louwei.core import files
from louwei.core.forms import apply_validation_error

from . import permissions, queries, services
from .forms import AttachmentForm, AudienceForm, NoticeForm, RelayForm, ScheduleForm, WithdrawForm
from .models import Attachment, Delivery, Notice, NoticeKind, NoticeStatus

PAGE_SIZE = 25


def _scope_from(value: str):
    """``b:CODE`` (a building) or ``d:CODE`` (a district)."""
    kind, _sep, code = (value or "").partition(":")
    if kind == "b":
        return get_object_or_404(Building.objects.select_related("party_committee"), code=code.upper())
    if kind == "d":
        return get_object_or_404(PartyCommittee, code=code.upper())
    raise Http404("unknown scope")


def _scope_key(scope) -> str:
    return f"b:{scope.code}" if isinstance(scope, Building) else f"d:{scope.code}"


def _notice(pk) -> Notice:
    return get_object_or_404(Notice.objects.select_related("party_committee", "building", "created_by"), pk=pk)


def _writable_notice(request, pk) -> Notice:
    notice = _notice(pk)
    if not permissions.may_write_notice(request.user, notice):
        raise PermissionDenied("notice.write")
    return notice


def _trail(*items):
    return [(_("Notices"), reverse("notices:manage")), *items]


def _audience_form(request, scope, data=None, initial=None):
    enterprises = access.enterprises(request.user, Action.ENTERPRISE_VIEW)
    if isinstance(scope, Building):
        enterprises = enterprises.in_building(scope)
    return AudienceForm(data, scope=scope, enterprises=enterprises.order_by("name"), initial=initial, prefix="aud")


def _initial_audience(notice) -> dict:
    rule = getattr(notice, "audience", None)
    if rule is None:
        return {}
    return {
        "buildings": list(rule.buildings.all()), "floors": list(rule.floors.all()),
        "industries": rule.industries, "min_employees": rule.min_employees, "max_employees": rule.max_employees,
        "party_organisations": rule.party_organisations, "enterprises": list(rule.enterprises.all()),
    }


# ----------------------------------------------------------------------------------------------
# Staff


@login_required
def manage(request):
    if not (request.user.is_superuser or access.is_building_staff(request.user)):
        raise PermissionDenied("notice.view")
    notices = queries.staff_notices(request.user)
    kind = request.GET.get("kind")
    if kind in NoticeKind.values:
        notices = notices.filter(kind=kind)
    page = Paginator(notices, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notices/manage.html", {
        "page": page, "scopes": queries.writable_scopes(request.user), "kind": kind,
        "kinds": NoticeKind.choices, "breadcrumbs": _trail(),
    })


@login_required
@require_http_methods(["GET", "POST"])
def create(request):
    scope = _scope_from(request.GET.get("scope", ""))
    if not permissions.may_write(request.user, scope):
        raise PermissionDenied("notice.write")
    form = NoticeForm(request.POST or None)
    audience = _audience_form(request, scope, request.POST or None)
    if request.method == "POST" and form.is_valid() and audience.is_valid():
        try:
            notice = services.create_draft(actor=request.user, scope=scope, audience=audience.audience(),
                                           **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Draft saved."))
            return redirect("notices:detail", notice.pk)
    return render(request, "notices/edit.html", {
        "form": form, "audience": audience, "scope": scope, "scope_key": _scope_key(scope),
        "title": _("New notice"), "breadcrumbs": _trail((_("New notice"), "")),
    })


@login_required
@require_http_methods(["GET", "POST"])
def edit(request, pk):
    notice = _writable_notice(request, pk)
    if notice.status == NoticeStatus.WITHDRAWN:
        raise PermissionDenied("withdrawn")
    scope = permissions.notice_scope(notice)
    form = NoticeForm(request.POST or None, instance=Notice.objects.get(pk=notice.pk))
    editable_audience = notice.status in (NoticeStatus.DRAFT, NoticeStatus.SCHEDULED)
    audience = _audience_form(request, scope, request.POST or None, initial=_initial_audience(notice)) \
        if editable_audience else None
    if request.method == "POST" and form.is_valid() and (audience is None or audience.is_valid()):
        try:
            services.update(actor=request.user, notice=notice, audience=audience.audience() if audience else None,
                            **{k: form.cleaned_data[k] for k in NoticeForm.Meta.fields})
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("notices:detail", notice.pk)
    return render(request, "notices/edit.html", {
        "form": form, "audience": audience, "scope": scope, "scope_key": _scope_key(scope), "notice": notice,
        "title": _("Edit notice"),
        "breadcrumbs": _trail((notice.title, reverse("notices:detail", args=[notice.pk])), (_("Edit"), "")),
    })


@login_required
@require_POST
def preview(request):
    """The htmx fragment: how many enterprises and people the audience chosen so far reaches."""
    scope = _scope_from(request.GET.get("scope", ""))
    if not permissions.may_write(request.user, scope):
        raise PermissionDenied("notice.write")
    audience = _audience_form(request, scope, request.POST)
    counts = None
    if audience.is_valid():
        counts = queries.audience_preview(services.spec_for(scope, audience.audience()))
    return render(request, "notices/_preview.html", {"counts": counts, "audience": audience})


def _moved_on(request, notice, error: services.NoticeMovedOn):
    """The notice changed state under the person's feet: say so on its page (htmx: a 409 with the message)."""
    message = " ".join(error.messages)
    if request.htmx:
        return HttpResponse(message, status=409, content_type="text/plain; charset=utf-8")
    messages.error(request, message)
    return redirect("notices:detail", notice.pk)


@login_required
@require_http_methods(["GET", "POST"])
def publish(request, pk):
    notice = _writable_notice(request, pk)
    when = request.POST.get("when")
    form = ScheduleForm(request.POST) if request.method == "POST" and when == "later" else ScheduleForm()
    if request.method == "POST":
        try:
            if when == "cancel":
                services.unschedule(actor=request.user, notice=notice)
                messages.success(request, _("Back to draft."))
                return redirect("notices:detail", notice.pk)
            if when == "later":
                if form.is_valid():
                    services.schedule(actor=request.user, notice=notice, publish_at=form.cleaned_data["publish_at"])
                    messages.success(request, _("Scheduled."))
                    return redirect("notices:detail", notice.pk)
            else:
                services.publish(actor=request.user, notice=notice)
                messages.success(request, _("Published."))
                return redirect("notices:detail", notice.pk)
        except services.NoticeMovedOn as error:
            return _moved_on(request, notice, error)
        except ValidationError as error:  # the schedule's own field: the form is bound here
            apply_validation_error(form, error)
    rule = notice.audience if hasattr(notice, "audience") else None
    counts = queries.audience_preview(queries.spec_of(rule)) if rule else None
    return render(request, "notices/publish.html", {
        "notice": notice, "form": form, "counts": counts,
        "breadcrumbs": _trail((notice.title, reverse("notices:detail", args=[notice.pk])), (_("Publish"), "")),
    })


@login_required
@require_http_methods(["GET", "POST"])
def withdraw(request, pk):
    notice = _writable_notice(request, pk)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.withdraw(actor=request.user, notice=notice, reason=form.cleaned_data["reason"])
        except services.NoticeMovedOn as error:
            return _moved_on(request, notice, error)
        else:
            messages.success(request, _("Withdrawn."))
            return redirect("notices:detail", notice.pk)
    return render(request, "notices/withdraw.html", {
        "notice": notice, "form": form,
        "breadcrumbs": _trail((notice.title, reverse("notices:detail", args=[notice.pk])), (_("Withdraw"), "")),
    })


@login_required
@require_http_methods(["GET", "POST"])
def attachments(request, pk):
    notice = _writable_notice(request, pk)
    form = AttachmentForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if request.POST.get("remove"):
            attachment = get_object_or_404(Attachment, pk=request.POST["remove"], notice=notice)
            try:
                services.remove_attachment(actor=request.user, attachment=attachment)
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                return redirect("notices:attachments", notice.pk)
        elif form.is_valid():
            try:
                services.add_attachment(actor=request.user, notice=notice, upload=form.cleaned_data["file"])
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, _("Attachment added."))
                return redirect("notices:attachments", notice.pk)
    return render(request, "notices/attachments.html", {
        "notice": notice, "form": form, "attachments": queries.attachments_of(notice),
        "breadcrumbs": _trail((notice.title, reverse("notices:detail", args=[notice.pk])), (_("Attachments"), "")),
    })


# ----------------------------------------------------------------------------------------------
# Everyone who may see the notice


@login_required
def detail(request, pk):
    notice = _notice(pk)
    delivery = queries.delivery_for(request.user, notice) if notice.status == NoticeStatus.PUBLISHED else None
    staff = permissions.may_view_notice_staff(request.user, notice)
    if not staff and delivery is None and not permissions.may_read_policy(request.user, notice):
        raise PermissionDenied("notice.view")
    if delivery is not None:
        services.mark_read(actor=request.user, notice=notice)
    context = {"notice": notice, "attachments": queries.attachments_of(notice), "staff": staff}
    if staff:
        # Only the enterprises this person may see, as /api/v1/notices/N/deliveries/ lists them.
        deliveries = Paginator(queries.visible_deliveries(request.user, notice), 50).get_page(request.GET.get("page"))
        context.update({
            "reach": queries.reach(notice, request.user), "deliveries": deliveries,
            "can_write": permissions.may_write_notice(request.user, notice),
            "history": notice.history.select_related("history_user").order_by("-history_date")[:20],
            "breadcrumbs": _trail((notice.title, "")),
        })
    else:
        context["breadcrumbs"] = [(_("Notices for us"), reverse("notices:index")), (notice.title, "")]
    return render(request, "notices/detail.html", context)


@login_required
def attachment(request, pk):
    item = get_object_or_404(Attachment.objects.select_related("notice"), pk=pk)
    notice = item.notice
    delivered = notice.status == NoticeStatus.PUBLISHED and queries.delivery_for(request.user, notice) is not None
    if not (
        delivered
        or permissions.may_view_notice_staff(request.user, notice)
        or permissions.may_read_policy(request.user, notice)
    ):
        raise PermissionDenied("notice.view")
    return files.serve(item.file, filename=item.name, content_type=item.content_type, as_attachment=True)


@login_required
def index(request):
    """An enterprise person's "notices for us"; staff without an enterprise go to their list."""
    if not permissions.enterprise_ids(request.user):
        if request.user.is_superuser or access.is_building_staff(request.user):
            return redirect("notices:manage")
        raise PermissionDenied("notice.view")
    notices = queries.notices_for(request.user).filter(status=NoticeStatus.PUBLISHED)
    mine = Notice.objects.filter(deliveries__enterprise_id__in=permissions.enterprise_ids(request.user))
    notices = notices.filter(pk__in=mine.values("pk"))
    kind = request.GET.get("kind")
    if kind in NoticeKind.values:
        notices = notices.filter(kind=kind)
    page = Paginator(notices, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notices/index.html", {
        "page": page, "kind": kind, "kinds": NoticeKind.choices,
        "breadcrumbs": [(_("Notices for us"), "")],
    })


# ----------------------------------------------------------------------------------------------
# Floor leaders


@login_required
def my_floors(request):
    if not permissions.relay_floors(request.user).exists():
        raise PermissionDenied("notice.relay")
    return render(request, "notices/my_floors.html", {
        "groups": queries.unread_on_my_floors(request.user), "relay_form": RelayForm(),
        "breadcrumbs": [(_("Not yet read on my floors"), "")],
    })


@login_required
@require_POST
def relay(request, pk):
    delivery = get_object_or_404(Delivery.objects.select_related("notice", "enterprise"), pk=pk)
    form = RelayForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose how you passed it on."))
        return redirect("notices:my_floors")
    try:
        services.record_relay(actor=request.user, delivery=delivery, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Recorded: you passed “%(title)s” on to %(enterprise)s.")
                         % {"title": delivery.notice.title, "enterprise": delivery.enterprise.name})
    return redirect("notices:my_floors")


@login_required
@require_POST
def remind(request, pk):
    notice = _notice(pk)
    try:
        queued = services.remind_unread(actor=request.user, notice=notice)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Reminder sent (%(count)d messages).") % {"count": queued})
    if request.POST.get("next") == "my_floors":
        return redirect("notices:my_floors")
    return redirect("notices:detail", notice.pk)
