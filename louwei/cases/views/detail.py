"""One case: its timeline and the forms of the actions the person may take.

The action forms post to ``act``. With htmx the case's section is swapped in place; without
JavaScript they are plain POSTs followed by a redirect. A form's errors come back inside the form;
a step that is no longer possible (someone else moved the case on) is a message, never a 500."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from louwei.core.forms import apply_validation_error

from .. import permissions, photos, queries, services
from ..forms.staff import ACTION_FORMS, HANDLER_FORMS
from ..models import CasePhoto, Status

SUCCESS = {
    "answer": gettext_lazy("Answered and closed. The submitter is asked to rate it."),
    "pass_on": gettext_lazy("Passed on to the committee."),
    "accept": gettext_lazy("Accepted."),
    "decline": gettext_lazy("Declined. The submitter is told why."),
    "merge": gettext_lazy("Merged into the original case."),
    "dispatch": gettext_lazy("Dispatched to the handler."),
    "reassign": gettext_lazy("Reassigned."),
    "reply": gettext_lazy("Reply sent. The committee verifies it."),
    "return_reply": gettext_lazy("Returned to the handler."),
    "close": gettext_lazy("Verified and closed. The submitter is asked to rate it."),
    "rate": gettext_lazy("Thank you for your rating."),
    "follow_up": gettext_lazy("Follow-up call recorded."),
    "reopen": gettext_lazy("Reopened."),
    "note": gettext_lazy("Note added."),
    "public_note": gettext_lazy("Reply added to the timeline."),
}


def _case(request, number):
    """The case, if the person may see it; the same 404 for a number that does not exist and for a
    case that is not theirs, as the API answers (a number tells nothing)."""
    case = queries.case_by_number(number)
    if case is None or not permissions.may_view(request.user, case):
        raise Http404("no such case")
    return case


def _action_forms(user, case, bound=None) -> list:
    """One form per action the person may take now (the bound one, with its errors, in its place)."""
    allowed = permissions.allowed_actions(user, case)
    extra = {}
    if allowed & set(HANDLER_FORMS):
        extra = {"handlers": permissions.dispatchable_handlers(case).order_by("name"),
                 "suggested": permissions.suggested_handler(case)}
    forms = []
    for name, form_class in ACTION_FORMS.items():
        if name not in allowed:
            continue
        if bound is not None and bound.prefix == name:
            forms.append((name, bound))
            continue
        kwargs = extra if name in HANDLER_FORMS else {}
        forms.append((name, form_class(case=case, prefix=name, **kwargs)))
    return forms


def _render(request, case, *, bound=None, status=200):
    context = {
        "case": case,
        "detail": queries.case_detail(case, request.user),
        "action_forms": _action_forms(request.user, case, bound),
        "open_action": bound.prefix if bound is not None else "",
        "breadcrumbs": [(_("Cases"), reverse("cases:queue")), (case.number, "")],
    }
    template = "cases/staff/_case.html" if request.htmx else "cases/staff/detail.html"
    return render(request, template, context, status=status)


@login_required
@require_GET
def detail(request, number):
    return _render(request, _case(request, number))


def _after(request, number):
    """Back to the case (its section for htmx, a redirect otherwise), or to the queue once the
    person may no longer see it."""
    case = queries.case_by_number(number)
    if case is None or not permissions.may_view(request.user, case):
        if request.htmx:
            response = render(request, "cases/staff/_gone.html")
            response["HX-Redirect"] = reverse("cases:queue")
            return response
        return redirect("cases:queue")
    if request.htmx:
        return _render(request, case)
    return redirect("cases:detail", number=case.number)


def _illegal(request, case):
    messages.error(request, _("This step is no longer possible: the case is now “%(status)s”. The page shows "
                              "where it stands.") % {"status": Status(case.status).label})


@login_required
@require_POST
def act(request, number, action):
    case = _case(request, number)
    form_class = ACTION_FORMS.get(action)
    if form_class is None:
        raise Http404("no such action")
    if action not in permissions.allowed_actions(request.user, case):
        # The person may take this step, only not now: the case moved on (a stale page).
        if action in permissions.role_actions(request.user, case):
            _illegal(request, case)
            return _after(request, number)
        raise PermissionDenied(action)
    kwargs = {}
    if action in HANDLER_FORMS:
        kwargs = {"handlers": permissions.dispatchable_handlers(case), "suggested": None}
    form = form_class(request.POST, request.FILES, case=case, prefix=action, **kwargs)
    if form.is_valid():
        try:
            getattr(services, form.service)(actor=request.user, case=case, **form.arguments())
        except services.IllegalTransition:
            _illegal(request, queries.case_by_number(number) or case)
            return _after(request, number)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, SUCCESS[action])
            return _after(request, number)
    # htmx swaps only 2xx answers: the form comes back with its errors either way.
    return _render(request, case, bound=form, status=200 if request.htmx else 400)


@login_required
@require_GET
def photo(request, pk):
    """A case's photo, for those who may see the case (internal photos: staff and handlers only)."""
    item = get_object_or_404(CasePhoto.objects.select_related("case__floor__building"), pk=pk)
    if not permissions.may_view(request.user, item.case):
        raise Http404("no such photo")
    if not item.is_public and not permissions.sees_internal(request.user, item.case):
        raise Http404("no such photo")
    return photos.response(item, max_age=3600)
