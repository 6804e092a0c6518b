"""The visitor's private link: the public timeline, rating and adding information.

Every page under ``/t/<number>/<token>/`` first checks the token (``tracking.token_matches``,
constant time); a wrong token and a missing case give the same 404. Only public events and public
photos are shown, photos through :func:`photo` after the same check, never from a media URL. The
pages send no referrer and ask search engines not to index them; nothing here logs the token.
"""

from __future__ import annotations

import functools
import hmac

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.core.handlers.exception import get_exception_response
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import get_resolver, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from louwei.committee.queries import serving_leader
from louwei.core.forms import apply_validation_error

from .. import permissions, photos, ratelimit, services
from ..forms.tracking import AddInformationForm, LookupForm, RatingForm
from ..models import Case, CasePhoto, EventKind, Rating
from ..tracking import hash_token, token_matches
from .raising import private_headers

_MISSING = hash_token("no such case")
# Staff's own chasing of a deadline: not for the submitter's timeline, whatever its flag says.
STAFF_ONLY_KINDS = (EventKind.REMINDED, EventKind.ESCALATED)


def private(*methods):
    """A view of the private link: only ``methods``; no cache; and its path (which holds the token)
    kept out of Django's request log: its 4xx answers (a 404 for a wrong token or photo, a 405, a
    429) are marked as logged already. Server errors are still logged as always."""

    def decorate(view):
        view = never_cache(view)

        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method not in methods:
                response = HttpResponseNotAllowed(methods)
            else:
                try:
                    response = view(request, *args, **kwargs)
                except Http404 as error:
                    response = get_exception_response(request, get_resolver(), 404, error)
            if 400 <= response.status_code < 500:
                response._has_been_logged = True
            return response

        return wrapper

    return decorate


def _case(number: str, token: str, *, related=True) -> Case:
    """The case the link opens, or 404 (the same for a missing case and a wrong token)."""
    qs = Case.objects.all()
    if related:
        qs = qs.select_related("floor", "building", "category", "handler")
    case = qs.filter(number=number).first()
    if case is None:
        hmac.compare_digest(_MISSING, hash_token(token or ""))  # the same work as a wrong token
        raise Http404("no case")
    if not token_matches(case, token):
        raise Http404("no case")
    return case


def may_rate(case: Case) -> bool:
    """Closed and not yet rated since it was last closed (a reopened case is rated again)."""
    return permissions.may_rate_now(case)


def _public_photos(case: Case):
    return CasePhoto.objects.filter(case=case, is_public=True).filter(
        Q(event__isnull=True) | Q(event__is_public=True))


def _render(request, case: Case, token: str, *, rating_form=None, add_form=None, status=200):
    events = list(case.events.filter(is_public=True).exclude(kind__in=STAFF_ONLY_KINDS).order_by("created_at", "pk"))
    pictures = list(_public_photos(case).only("pk", "event_id"))
    by_event: dict[int | None, list] = {}
    for p in pictures:
        by_event.setdefault(p.event_id, []).append(p)
    for event in events:
        event.public_photos = by_event.get(event.pk, [])
    leader = serving_leader(case.floor)
    context = {
        "case": case, "token": token, "events": events, "case_photos": by_event.get(None, []),
        "leader": leader, "may_rate": may_rate(case), "is_open": case.is_open,
        "rating_form": rating_form or (RatingForm() if may_rate(case) else None),
        "add_form": add_form or (AddInformationForm() if case.is_open else None),
        "dissatisfied": Rating.DISSATISFIED,
    }
    return private_headers(render(request, "cases/track/detail.html", context, status=status))


@private("GET", "HEAD")
def detail(request, number, token):
    case = _case(number, token)
    return _render(request, case, token)


@private("POST")
def rate(request, number, token):
    case = _case(number, token)
    form = RatingForm(request.POST)
    if not may_rate(case):
        messages.info(request, _("This case cannot be rated now."))
        return private_headers(redirect("cases:track", case.number, token))
    if form.is_valid():
        try:
            services.rate(actor=None, case=case, rating=form.cleaned_data["rating"],
                          comment=form.cleaned_data["comment"].strip(), token=token)
        except ValidationError as error:
            apply_validation_error(form, error)
        except PermissionDenied:
            raise Http404("no case") from None
        else:
            if form.cleaned_data["rating"] == Rating.DISSATISFIED:
                messages.warning(request, _("Thank you. The case has been reopened with your reason."))
            else:
                messages.success(request, _("Thank you for your rating."))
            return private_headers(redirect("cases:track", case.number, token))
    return _render(request, case, token, rating_form=form)


@private("POST")
def add_information(request, number, token):
    case = _case(number, token)
    if not case.is_open:
        messages.info(request, _("This case is closed: information can no longer be added."))
        return private_headers(redirect("cases:track", case.number, token))
    wait = ratelimit.is_limited(request, ratelimit.ADD_INFORMATION)
    if wait:
        response = render(request, "cases/raise/limited.html", {"floor": case.floor}, status=429)
        return private_headers(ratelimit.remember_device(request, ratelimit.retry_after(response, wait)))
    form = AddInformationForm(request.POST)
    if form.is_valid():
        try:
            services.add_note(actor=None, case=case, text=form.cleaned_data["text"].strip(), public=True,
                              token=token)
        except ValidationError as error:
            apply_validation_error(form, error)
        except PermissionDenied:
            raise Http404("no case") from None
        else:
            ratelimit.count(request, ratelimit.ADD_INFORMATION)
            messages.success(request, _("Your information has been added to the case."))
            response = redirect("cases:track", case.number, token)
            return private_headers(ratelimit.remember_device(request, response))
    return _render(request, case, token, add_form=form)


@private("GET", "HEAD")
def photo(request, number, token, pk):
    case = _case(number, token, related=False)
    picture = _public_photos(case).filter(pk=pk).first()
    if picture is None:
        raise Http404("no photo")
    return private_headers(photos.response(picture))


@never_cache
@require_http_methods(["GET", "POST"])
def lookup(request):
    """Find a case again: paste the link, or type the number and the access code."""
    form = LookupForm(request.POST or None)
    status = 200
    if request.method == "POST":
        wait = ratelimit.is_limited(request, ratelimit.LOOKUP)
        if wait:
            response = render(request, "cases/raise/limited.html", {}, status=429)
            return private_headers(ratelimit.remember_device(request, ratelimit.retry_after(response, wait)))
        if form.is_valid():
            number, token = form.cleaned_data["number"], form.cleaned_data["token"]
            case = Case.objects.filter(number=number).only("pk", "number", "tracking_hash").first()
            if case is not None and token_matches(case, token):
                return private_headers(redirect(reverse("cases:track", args=[case.number, token])))
            ratelimit.count(request, ratelimit.LOOKUP)  # only misses count: guessing is what is limited
            form.add_error(None, _("No case matches this link. Check that it was copied whole."))
        status = 400
    response = render(request, "cases/track/lookup.html", {"form": form}, status=status)
    return private_headers(ratelimit.remember_device(request, response))
