"""Raising a case: a visitor from the floor QR code, an app user, a floor leader on behalf; similar open cases.

Thin, as every view: parse the form, ask ``permissions`` (and the rate limit for people without an
account), call ``services``, render. A visitor's private-link token lives only in their session, so
only the browser that sent the case is shown its link (``visitor_done``)."""

from __future__ import annotations

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from louwei import access
from louwei.access import Action
from louwei.buildings.models import Floor, Occupancy
from louwei.committee.queries import floor_page
from louwei.core.forms import apply_validation_error

from .. import permissions, ratelimit, services, similar as similar_cases
from ..forms.raising import RaiseForm, SupportForm, VisitorCaseForm
from ..models import Case, Category, Channel
from ..tracking import token_matches

SESSION_RAISED = "cases.raised"  # {number: token} of the cases this browser sent (the last few)
SESSION_SUPPORTED = "cases.supported"  # numbers this browser added "+1" to
KEEP_RAISED = 5
FLOOR_CHOICES_MAX = 300


# The token must never leave in a Referer header (to another site, or into the access logs of our own
# static files). "strict-origin" sends only the scheme and host. "no-referrer" would do the same but
# also makes browsers send "Origin: null" with every POST from the page, which Django's CSRF check
# (rightly) refuses: the rating form, "add information" and the language switch would all fail.
PRIVATE_REFERRER_POLICY = "strict-origin"


def private_headers(response):
    """A page that holds or follows a private link: no path in any referrer, no search engine, no
    shared cache."""
    response["Referrer-Policy"] = PRIVATE_REFERRER_POLICY
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-store, private"
    return response


def _similar_url(request, floor) -> str:
    """The similar-cases fragment of ``floor``; "+1" without htmx comes back to this page."""
    return reverse("cases:similar") + "?" + urlencode({"floor": floor.code, "next": request.get_full_path()})


def _visitor(request, form=None) -> services.Visitor:
    data = form.cleaned_data if form is not None else {}
    return services.Visitor(
        name=data.get("name", ""), phone=data.get("phone", ""),
        address=ratelimit.address(request), device=ratelimit.device_id(request),
    )


def _limited(request, wait: int, template="cases/raise/limited.html", **context):
    response = render(request, template, context, status=429)
    return ratelimit.remember_device(request, ratelimit.retry_after(response, wait))


# --- A visitor from the floor QR code ----------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def visitor_raise(request, floor_code):
    """The form the lift-lobby QR code leads to. No login needed: a visitor gets a private link;
    a person who happens to be signed in raises it from their account (channel QR) and follows it
    there. Visitors are rate-limited per address and per device."""
    page = floor_page(floor_code)
    floor = page.floor
    person = request.user if request.user.is_authenticated else None
    ratelimit.device_id(request)  # give the browser its device id now, for the limit of its first case
    if request.method == "POST":
        wait = ratelimit.is_limited(request, ratelimit.RAISE, person=person)
        if wait:
            return _limited(request, wait, floor=floor)
        form = VisitorCaseForm(request.POST, request.FILES)
        if form.is_spam():
            ratelimit.count(request, ratelimit.RAISE)
            response = render(request, "cases/raise/refused.html", {"floor": floor}, status=400)
            return ratelimit.remember_device(request, response)
        if form.is_valid():
            try:
                raised = services.raise_case(
                    actor=person, floor=floor, category=form.cleaned_data["category"],
                    description=form.cleaned_data["description"], channel=Channel.QR,
                    visitor=_visitor(request, form), photos=form.cleaned_data["photos"],
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                if person is not None:
                    ratelimit.count(request, ratelimit.RAISE, person=person)
                    messages.success(request, _("Sent. Your tracking number is %(number)s.")
                                     % {"number": raised.case.number})
                    return redirect("cases:detail", raised.case.number)
                ratelimit.count(request, ratelimit.RAISE)
                raised_cases = dict(request.session.get(SESSION_RAISED, {}))
                raised_cases[raised.case.number] = raised.token
                request.session[SESSION_RAISED] = dict(list(raised_cases.items())[-KEEP_RAISED:])
                response = redirect("cases:visitor_done", raised.case.number)
                return ratelimit.remember_device(request, response)
    else:
        form = VisitorCaseForm()
    response = render(request, "cases/raise/visitor.html", {
        "page": page, "floor": floor, "building": page.building, "leader": page.leader, "form": form,
        "similar_url": _similar_url(request, floor),
    })
    return ratelimit.remember_device(request, response)


@never_cache
@require_GET
def visitor_done(request, number):
    """Shown once per submitting browser: the tracking number, the private link and its QR code."""
    token = request.session.get(SESSION_RAISED, {}).get(number)
    if not token:
        raise Http404("not raised in this session")
    case = get_object_or_404(Case.objects.select_related("floor", "building", "category"), number=number)
    if not token_matches(case, token):
        raise Http404("not raised in this session")
    link = request.build_absolute_uri(reverse("cases:track", args=[case.number, token]))
    qr = segno.make(link, error="m", micro=False).svg_inline(
        scale=4, border=2, dark="#1a1a1a", light="#ffffff", title=_("QR code of your private link"),
    )
    response = render(request, "cases/raise/done.html", {
        "case": case, "link": link, "qr": mark_safe(qr),  # segno's own SVG markup, no user text inside
    })
    return private_headers(response)


# --- A signed-in person ------------------------------------------------------------------------


def _own_floors(enterprise_ids):
    current = Occupancy.objects.current().filter(enterprise_id__in=enterprise_ids)
    return Floor.objects.filter(units__occupancies__in=current).distinct().select_related("building")


def may_raise_somewhere(user) -> bool:
    """Whether "Raise a case" leads anywhere for ``user``: an enterprise of theirs on a floor, or a
    floor where they may raise on an enterprise's behalf. Handler staff have neither."""
    own_ids = permissions.own_enterprise_ids(user)
    if own_ids and _own_floors(own_ids).exists():
        return True
    return access.floors(user, Action.CASE_RAISE_FOR).exists()


def _floor_choices(user, own_ids):
    """The floors ``user`` may raise a case on: their enterprises' floors, and where they may raise
    on an enterprise's behalf."""
    floors = list(_own_floors(own_ids)) if own_ids else []
    seen = {f.pk for f in floors}
    on_behalf = access.floors(user, Action.CASE_RAISE_FOR).select_related("building").order_by(
        "building__name", "number")[:FLOOR_CHOICES_MAX]
    floors += [f for f in on_behalf if f.pk not in seen]
    return floors


@login_required
@require_http_methods(["GET", "POST"])
def create(request):
    user = request.user
    own_ids = permissions.own_enterprise_ids(user)
    code = (request.GET.get("floor") or "").strip().upper()
    if not code:
        floors = _floor_choices(user, own_ids)
        if not floors:
            raise PermissionDenied("case.raise")
        if len(floors) == 1:
            return redirect(reverse("cases:create") + f"?floor={floors[0].code}")
        return render(request, "cases/raise/choose_floor.html", {"floors": floors})

    floor = get_object_or_404(Floor.objects.select_related("building"), code=code)
    on_behalf, enterprises = permissions.raisable_enterprises(user, floor)  # the API asks the same
    enterprises = enterprises.order_by("name")

    form = RaiseForm(request.POST or None, request.FILES or None, enterprises=enterprises, on_behalf=on_behalf)
    if not on_behalf and request.method == "GET":
        only = list(enterprises[:2])
        if len(only) == 1:
            form.fields["enterprise"].initial = only[0].pk
    if request.method == "POST":
        wait = ratelimit.is_limited(request, ratelimit.RAISE, person=user)
        if wait:
            return _limited(request, wait, floor=floor)
    if request.method == "POST" and form.is_valid():
        try:
            permissions.check_raise(user, floor, channel=form.channel_value(),
                                    enterprise=form.cleaned_data["enterprise"])
            raised = services.raise_case(
                actor=user, floor=floor, category=form.cleaned_data["category"],
                description=form.cleaned_data["description"], channel=form.channel_value(),
                enterprise=form.cleaned_data["enterprise"], photos=form.cleaned_data["photos"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            ratelimit.count(request, ratelimit.RAISE, person=user)
            messages.success(request, _("Sent. Your tracking number is %(number)s.") % {"number": raised.case.number})
            return redirect("cases:detail", raised.case.number)
    return render(request, "cases/raise/create.html", {
        "form": form, "floor": floor, "building": floor.building, "on_behalf": on_behalf,
        "similar_url": _similar_url(request, floor),
    })


# --- Similar open cases and "+1" ---------------------------------------------------------------


@require_GET
def similar(request):
    """The htmx fragment under the description: open cases of the floor that look the same."""
    floor = get_object_or_404(Floor, code=(request.GET.get("floor") or "").strip().upper())
    category = None
    category_id = request.GET.get("category") or ""
    if category_id.isdigit():
        category = Category.objects.filter(pk=int(category_id), is_active=True).first()
    text = (request.GET.get("description") or "")[:2000]
    found = similar_cases.similar_open_cases(floor, text, category)
    return render(request, "cases/raise/_similar.html", {
        "cases": found, "floor": floor, "supported": set(request.session.get(SESSION_SUPPORTED, [])),
        "next": request.GET.get("next", ""),
    })


def _back(request, case):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect("cases:visitor_raise", case.floor.code)


@require_POST
def support(request, number):
    """"+1 I have the same request" on an open case of the floor's similar-cases hint: the form sends
    the floor's code with the number, and only a case that hint could show is supported. A number
    that does not exist, another floor's case or a closed one: the same 404 (a number alone tells
    nothing). Login optional; visitors are rate-limited."""
    floor = Floor.objects.filter(code=(request.POST.get("floor") or "").strip().upper()).first()
    case = similar_cases.supportable(floor, number) if floor is not None else None
    visitor = not request.user.is_authenticated

    def answer(template, status=200, wait=0, **context):
        # htmx swaps only 2xx answers: the refusal is still shown in place, the status says what it was.
        code = 200 if request.htmx and status < 500 else status
        response = render(request, template, {"case": case, **context}, status=code)
        return ratelimit.remember_device(request, ratelimit.retry_after(response, wait))

    if case is None:
        if request.htmx:
            return answer("cases/raise/_supported.html", closed=True, status=404)
        raise Http404("no open case of this number on this floor")

    supported = list(request.session.get(SESSION_SUPPORTED, []))
    if case.number in supported:
        return answer("cases/raise/_supported.html", already=True) if request.htmx else _back(request, case)
    if not case.is_open:
        if request.htmx:
            return answer("cases/raise/_supported.html", closed=True, status=409)
        messages.warning(request, _("This case is no longer open."))
        return _back(request, case)
    wait = ratelimit.is_limited(request, ratelimit.SUPPORT) if visitor else 0
    if wait:
        return answer("cases/raise/_supported.html", limited=True, status=429, wait=wait)
    form = SupportForm(request.POST)
    text = form.cleaned_data["text"] if form.is_valid() else ""
    try:
        services.support_case(
            actor=None if visitor else request.user, case=case, text=text,
            visitor=_visitor(request) if visitor else None,
        )
    except ValidationError as error:
        if request.htmx:
            return answer("cases/raise/_supported.html", errors=error.messages, status=400)
        messages.warning(request, " ".join(error.messages))
        return _back(request, case)
    if visitor:
        ratelimit.count(request, ratelimit.SUPPORT)
    supported.append(case.number)
    request.session[SESSION_SUPPORTED] = supported[-50:]
    if request.htmx:
        return answer("cases/raise/_supported.html")
    messages.success(request, _("Thank you: case %(number)s now counts your request too.") % {"number": case.number})
    return ratelimit.remember_device(request, _back(request, case))
