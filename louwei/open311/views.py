"""Open311 GeoReport v2 at ``/open311/v2/`` (documented in docs/open311.md), and the staff page of API keys.

Mapping: a service is an active leaf :class:`~louwei.cases.models.Category` (``service_code`` = its code);
a request is a :class:`~louwei.cases.models.Case` (``service_request_id`` = its tracking number, ``token``
= its ``public_id``); ``address_id`` is the floor code (XCFZ-B-05), since cases are filed per floor;
``jurisdiction_id`` (optional) is a district code. Our statuses map to ``open`` (every open status) and
``closed`` (closed, declined, merged). Errors are ``[{"code": …, "description": …}]`` with the same HTTP
status: 400 bad input, 403 a missing/invalid/revoked key or one of another district, 404 not found.
"""

from __future__ import annotations

import datetime
import re
import uuid
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django_ratelimit.core import is_ratelimited

from louwei.accounts import ratelimit
from louwei.buildings.models import Enterprise, Floor, Occupancy, PartyCommittee
from louwei.cases import services as case_services
from louwei.cases.models import Channel
from louwei.core.forms import apply_validation_error
from louwei.core.validators import normalise_uscc

from . import formats, keys, queries
from .forms import IssueKeyForm
from .models import ClientKey

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-29T00:00:00+08:00"  # the date of this endpoint's last change of behaviour
MAX_DESCRIPTION = 2000  # Case.description; the standard allows 4000, we say so in the error
MAX_SPAN = datetime.timedelta(days=90)  # GeoReport v2: a search spans at most 90 days (the default)
DAY = datetime.timedelta(days=1)
DEFAULT_RATE = "60/m"  # POST requests per key; ``LOUWEI_OPEN311_RATE`` overrides
ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")
ENTERPRISE_ATTRIBUTE = "enterprise_uscc"


class Open311Error(Exception):
    def __init__(self, status: int, *descriptions, retry_after: int = 0):
        super().__init__(*descriptions)
        self.status = status
        self.descriptions = [str(d) for d in descriptions]
        self.retry_after = retry_after


def endpoint(*methods):
    """An Open311 method: checks the format and the HTTP method (405 in the format, with ``Allow``),
    renders :class:`Open311Error` as errors. Exempt from the CSRF check: Open311 clients authenticate by
    ``api_key``, never by a session cookie, so a wrong method gets this 405, not Django's HTML 403."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, fmt: str, **kwargs):
            fmt = fmt.lower()
            if fmt not in formats.FORMATS:
                return formats.errors("json", 404, _("Unknown format “%(fmt)s”: use json or xml.") % {"fmt": fmt})
            if request.method not in methods:
                response = formats.errors(fmt, 405, _("This resource answers %(methods)s only.")
                                          % {"methods": ", ".join(methods)})
                response["Allow"] = ", ".join(methods)
                return response
            try:
                return view(request, *args, fmt=fmt, **kwargs)
            except Open311Error as error:
                return ratelimit.retry_after(formats.errors(fmt, error.status, *error.descriptions), error.retry_after)

        return csrf_exempt(wrapper)

    return decorate


def _param(data, name: str) -> str:
    return (data.get(name) or "").strip()


def _client(request, data, *, required: bool) -> ClientKey | None:
    """The client's key from ``api_key``: 403 if it is missing (when required), unknown or revoked.
    An unknown or revoked key counts as a failed attempt of the client's address; after
    ``LOUWEI_LOGIN_RATE`` of them the address is locked out (429, even with a valid key) for a while
    (``louwei.accounts.ratelimit``)."""
    secret = _param(data, "api_key")
    if not secret:
        if required:
            raise Open311Error(403, _("api_key is required: ask the district for an API key."))
        return None
    wait = ratelimit.locked(request, ratelimit.OPEN311_KEY)
    if wait:
        minutes = ratelimit.minutes(wait)
        raise Open311Error(429, ngettext(
            "Too many invalid api_key attempts from this address. Try again in %(minutes)d minute.",
            "Too many invalid api_key attempts from this address. Try again in %(minutes)d minutes.", minutes,
        ) % {"minutes": minutes}, retry_after=wait)
    key = keys.check(secret)
    if key is None:
        ratelimit.failed(request, ratelimit.OPEN311_KEY)
        raise Open311Error(403, _("Invalid api_key: unknown or revoked."))
    return key


def _reader(request) -> ClientKey | None:
    """Reading requests needs a key unless ``LOUWEI_OPEN311_PUBLIC_READ`` is on (descriptions may name people)."""
    return _client(request, request.GET, required=not getattr(settings, "LOUWEI_OPEN311_PUBLIC_READ", False))


def _jurisdiction(data) -> PartyCommittee | None:
    """``jurisdiction_id`` is optional; when given it is a district code (404 if unknown)."""
    code = _param(data, "jurisdiction_id")
    if not code:
        return None
    district = PartyCommittee.objects.filter(code=code.upper()).first()
    if district is None:
        raise Open311Error(404, _("jurisdiction_id “%(code)s” was not found: give a district code.") % {"code": code})
    return district


def _district_of(key: ClientKey | None, jurisdiction: PartyCommittee | None) -> PartyCommittee | None:
    """The district a read is limited to: the key's, narrowed by ``jurisdiction_id``."""
    if key is not None and key.party_committee_id:
        if jurisdiction is not None and jurisdiction.pk != key.party_committee_id:
            raise Open311Error(403, _("This API key may read only the requests of %(district)s.")
                               % {"district": key.party_committee.code})
        return key.party_committee
    return jurisdiction


# --- discovery and services ------------------------------------------------------------------


@endpoint("GET")
def discovery(request, fmt):
    base = request.build_absolute_uri(reverse("open311:discovery", kwargs={"fmt": fmt})).rsplit("/", 1)[0]
    data = {
        "changeset": CHANGESET,
        "contact": getattr(settings, "LOUWEI_OPEN311_CONTACT", "") or _(
            "The district Party committee's office that runs the building programme."
        ),
        "key_service": _("API keys are issued by district staff: %(url)s")
        % {"url": request.build_absolute_uri(reverse("open311:keys"))},
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base,
                "changeset": CHANGESET,
                "type": "production",
                "formats": formats.MEDIA_TYPES,
            }
        ],
    }
    return formats.render(fmt, "discovery", data)


def _service_data(category) -> dict:
    names = [category.name, category.name_en]
    if category.parent is not None:
        names += [category.parent.name, category.parent.name_en]
    keywords = ", ".join(dict.fromkeys(n for n in names if n))
    return {
        "service_code": category.code,
        "service_name": category.label,
        "description": category.description,
        "metadata": True,
        "type": "realtime",
        "keywords": keywords,
        "group": category.parent.label if category.parent is not None else "",
    }


@endpoint("GET")
def service_list(request, fmt):
    _jurisdiction(request.GET)
    return formats.render(fmt, "services", [_service_data(c) for c in queries.services()])


def _attributes() -> list[dict]:
    """The attributes every service accepts (all optional)."""
    return [
        {
            "variable": True,
            "code": ENTERPRISE_ATTRIBUTE,
            "datatype": "string",
            "required": False,
            "datatype_description": _("18 characters, e.g. 91370800MA3C8K0X1L"),
            "order": 1,
            "description": _(
                "The unified social credit code of the enterprise raising the request, if it is a tenant "
                "of that floor; the case is then followed by the enterprise."
            ),
        }
    ]


@endpoint("GET")
def service_definition(request, fmt, code):
    _jurisdiction(request.GET)
    category = queries.service(code)
    if category is None:
        raise Open311Error(404, _("service_code “%(code)s” was not found.") % {"code": code})
    return formats.render(fmt, "service_definition", {"service_code": category.code, "attributes": _attributes()})


# --- requests ----------------------------------------------------------------------------------


def _request_data(case) -> dict:
    is_open = case.is_open
    updated = case.closed_at if (not is_open and case.closed_at) else case.updated_at
    return {
        "service_request_id": case.number,
        "status": "open" if is_open else "closed",
        "status_notes": getattr(case, "status_notes", None) or "",
        "service_name": case.category.label,
        "service_code": case.category.code,
        "description": case.description,
        "agency_responsible": case.handler.name if case.handler_id else "",
        "service_notice": str(case.get_status_display()),
        "requested_datetime": case.submitted_at,
        "updated_datetime": updated,
        "expected_datetime": case.due_at,
        "address": f"{case.building.name} {case.floor.label}",
        "address_id": case.floor.code,
        "zipcode": "",
        "lat": "",
        "long": "",
        "media_url": "",
    }


def _when(value: str, name: str, *, end: bool) -> datetime.datetime | None:
    """A W3C date-time with its time zone (``2026-11-01T00:00:00+08:00`` or ``…Z``), or a date
    (the start of the day, or its end for ``end_date``, in the site's time zone)."""
    if not value:
        return None
    try:
        day = parse_date(value) if len(value) == 10 else None
        moment = None if day is not None else parse_datetime(value)
    except ValueError:
        moment = day = None
    if moment is None and day is None:
        raise Open311Error(400, _("%(name)s must be a W3C date-time such as 2026-11-01T00:00:00+08:00.")
                           % {"name": name})
    if day is not None:
        moment = datetime.datetime.combine(day, datetime.time.max if end else datetime.time.min)
        moment = timezone.make_aware(moment)
    elif timezone.is_naive(moment):
        raise Open311Error(400, _("%(name)s must include its time zone (Z or +08:00).") % {"name": name})
    # The search reaches MAX_SPAN (and a day) either side and the database works in UTC: refuse what
    # would leave the calendar's years 1–9999 there (an OverflowError, a 500, otherwise).
    try:
        for edge in (moment - MAX_SPAN - DAY, moment + MAX_SPAN + DAY):
            edge.astimezone(datetime.timezone.utc)
            timezone.localtime(edge)
    except OverflowError:
        raise Open311Error(400, _("%(name)s is out of range: give a date between the years 2 and 9998.")
                           % {"name": name}) from None
    return moment


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _search(request, fmt):
    key = _reader(request)
    district = _district_of(key, _jurisdiction(request.GET))
    queryset = queries.requests(party_committee=district)
    numbers = _split(_param(request.GET, "service_request_id"))
    if numbers:
        return formats.render(fmt, "service_requests",
                              [_request_data(c) for c in queries.search(queryset, numbers=numbers)])

    categories = None
    codes = _split(_param(request.GET, "service_code"))
    if codes:
        offered = {c.code: c for c in queries.services()}
        unknown = [code for code in codes if code not in offered]
        if unknown:
            raise Open311Error(400, *[_("service_code “%(code)s” was not found.") % {"code": c} for c in unknown])
        categories = [offered[code] for code in codes]

    statuses = set(_split(_param(request.GET, "status").lower()))
    if statuses - {"open", "closed"}:
        raise Open311Error(400, _("status must be open, closed, or both separated by a comma."))

    start = _when(_param(request.GET, "start_date"), "start_date", end=False)
    end = _when(_param(request.GET, "end_date"), "end_date", end=True)
    if start is None and end is None:
        end = timezone.now()
        start = end - MAX_SPAN
    elif start is None:
        start = end - MAX_SPAN
    elif end is None:
        end = start + MAX_SPAN
    if start > end:
        raise Open311Error(400, _("start_date must be before end_date."))
    if end - start > MAX_SPAN + DAY:
        raise Open311Error(400, _("A search may span at most 90 days."))

    cases = queries.search(queryset, categories=categories, start=start, end=end, statuses=statuses)
    return formats.render(fmt, "service_requests", [_request_data(c) for c in cases])


def _visitor_name(first: str, last: str) -> str:
    """Chinese names read family name first, without a space; others "first last"."""
    if any("\u4e00" <= ch <= "\u9fff" for ch in first + last):
        return f"{last}{first}"
    return " ".join(part for part in (first, last) if part)


def _attribute_values(data) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for name in data:
        match = ATTRIBUTE.match(name)
        if match:
            values.setdefault(match.group(1), []).extend(v.strip() for v in data.getlist(name) if v.strip())
    return values


def _enterprise(attributes: dict[str, list[str]], floor) -> Enterprise | None:
    unknown = sorted(set(attributes) - {ENTERPRISE_ATTRIBUTE})
    if unknown:
        raise Open311Error(400, *[_("Unknown attribute “%(code)s”: see the service definition.") % {"code": c}
                                  for c in unknown])
    given = attributes.get(ENTERPRISE_ATTRIBUTE) or []
    if not given:
        return None
    uscc = normalise_uscc(given[0])
    occupancy = (
        Occupancy.objects.current().filter(unit__floor=floor, enterprise__uscc=uscc)
        .select_related("enterprise").first()
    )
    if occupancy is None:
        raise Open311Error(400, _("No enterprise with the code %(uscc)s is a tenant of floor %(floor)s.")
                           % {"uscc": uscc, "floor": floor.code})
    return occupancy.enterprise


def _described(error: ValidationError) -> list[str]:
    """A service's errors, each named by its Open311 field where it has one."""
    if not hasattr(error, "error_dict"):
        return list(error.messages)
    fields = {"name": "first_name/last_name", "enterprise": "attribute[enterprise_uscc]"}
    return [message if field == "__all__" else f"{fields.get(field, field)}: {message}"
            for field, messages in error.message_dict.items() for message in messages]


def _rate_key(group, request) -> str:
    return f"key-{request.open311_key.pk}"


def _create(request, fmt):
    data = request.POST
    key = _client(request, data, required=True)
    request.open311_key = key
    rate = getattr(settings, "LOUWEI_OPEN311_RATE", DEFAULT_RATE)
    if is_ratelimited(request, group="open311.requests", key=_rate_key, rate=rate, method="POST", increment=True):
        raise Open311Error(429, _("Too many requests with this API key: wait a minute and send again."))
    jurisdiction = _jurisdiction(data)

    code = _param(data, "service_code")
    if not code:
        raise Open311Error(400, _("service_code is required: see services.%(fmt)s.") % {"fmt": fmt})
    category = queries.service(code)
    if category is None:
        raise Open311Error(404, _("service_code “%(code)s” was not found.") % {"code": code})

    address_id = _param(data, "address_id")
    if not address_id:
        if any(_param(data, name) for name in ("lat", "long", "address_string")):
            raise Open311Error(400, _(
                "Requests are filed per floor: give address_id, the floor code (e.g. XCFZ-B-05). "
                "lat/long and address_string alone cannot name a floor."
            ))
        raise Open311Error(400, _("address_id is required: the floor code, e.g. XCFZ-B-05."))
    floor = Floor.objects.select_related("building__party_committee").filter(code=address_id.upper()).first()
    if floor is None:
        raise Open311Error(400, _("address_id “%(code)s” is not a floor code we know.") % {"code": address_id})
    district = floor.building.party_committee
    if key.party_committee_id and key.party_committee_id != district.pk:
        raise Open311Error(403, _("This API key may file requests only in the buildings of %(district)s.")
                           % {"district": key.party_committee.code})
    if jurisdiction is not None and jurisdiction.pk != district.pk:
        raise Open311Error(400, _("Floor %(floor)s is not in jurisdiction %(code)s.")
                           % {"floor": floor.code, "code": jurisdiction.code})

    description = _param(data, "description")
    if not description:
        raise Open311Error(400, _("description is required: say what the request is about."))
    if len(description) > MAX_DESCRIPTION:
        raise Open311Error(400, _("description may be at most %(max)d characters.") % {"max": MAX_DESCRIPTION})
    enterprise = _enterprise(_attribute_values(data), floor)

    email = _param(data, "email")
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise Open311Error(400, _("email is not a valid e-mail address.")) from exc
    visitor = case_services.Visitor(
        name=_visitor_name(_param(data, "first_name"), _param(data, "last_name"))[:64],
        phone=_param(data, "phone"),
        email=email,
    )
    # media_url is not kept: photos come through the app, where they are checked, re-encoded and
    # stripped of their location; a link to another site is neither fetched nor shown (docs/open311.md).
    try:
        raised = case_services.raise_case(
            actor=None, floor=floor, category=category, description=description, channel=Channel.OPEN311,
            enterprise=enterprise, visitor=visitor, source=key.name,
        )
    except PermissionDenied as exc:
        raise Open311Error(403, _("This API key may not file this request.")) from exc
    except ValidationError as exc:
        raise Open311Error(400, *_described(exc)) from exc
    case = raised.case
    notice = _("Received as case %(number)s. The floor leader of %(floor)s responds by %(respond_by)s; "
               "it is due by %(due_at)s.") % {
        "number": case.number, "floor": floor.code,
        "respond_by": formats.w3c(case.respond_by), "due_at": formats.w3c(case.due_at),
    }
    return formats.render(fmt, "service_requests", [{
        "service_request_id": case.number,
        "token": str(case.public_id),
        "service_notice": notice,
        "account_id": "",
    }])


@endpoint("GET", "POST")
def requests(request, fmt):
    """GET: search requests (a key needed, see :func:`_reader`); POST: file one (a key needed)."""
    if request.method == "POST":
        return _create(request, fmt)
    return _search(request, fmt)


@endpoint("GET")
def request_detail(request, fmt, number):
    key = _reader(request)
    district = _district_of(key, _jurisdiction(request.GET))
    case = queries.requests(party_committee=district).filter(number=number).first()
    if case is None:
        raise Open311Error(404, _("service_request_id “%(id)s” was not found.") % {"id": number})
    return formats.render(fmt, "service_requests", [_request_data(case)])


@endpoint("GET")
def token(request, fmt, token):
    """A token (the case's public id) gives its service_request_id; no key needed, nothing else shown."""
    from louwei.cases.models import Case

    try:
        public_id = uuid.UUID(token)
    except ValueError:
        public_id = None
    number = Case.objects.filter(public_id=public_id).values_list("number", flat=True).first() if public_id else None
    if number is None:
        raise Open311Error(404, _("token “%(token)s” was not found.") % {"token": token})
    return formats.render(fmt, "service_requests", [{"service_request_id": number, "token": str(public_id)}])


# --- the staff page of API keys -----------------------------------------------------------------


def _require_manager(user) -> None:
    if not keys.may_manage_keys(user):
        raise PermissionDenied("case.configure")


@never_cache  # the page after issuing shows the key: no cache may keep it
@login_required
def key_list(request):
    """List the keys, issue one (the key is shown once, on the response), revoke."""
    _require_manager(request.user)
    districts = keys.districts_for(request.user).order_by("code")
    issued = None
    if request.method == "POST":
        form = IssueKeyForm(request.POST, districts=districts, allow_all=request.user.is_superuser)
        if form.is_valid():
            try:
                issued = keys.issue_key(actor=request.user, name=form.cleaned_data["name"],
                                        party_committee=form.cleaned_data["district"])
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                form = IssueKeyForm(districts=districts, allow_all=request.user.is_superuser)
    else:
        form = IssueKeyForm(districts=districts, allow_all=request.user.is_superuser)
    return render(request, "open311/keys.html", {
        "keys": keys.keys_for(request.user),
        "form": form,
        "issued": issued,
        "base_url": request.build_absolute_uri(reverse("open311:discovery", kwargs={"fmt": "json"})).rsplit("/", 1)[0]
        + "/",
        "breadcrumbs": [(_("Open311 API keys"), "")],
    })


@login_required
@require_POST
def key_revoke(request, pk):
    _require_manager(request.user)
    key = get_object_or_404(keys.keys_for(request.user), pk=pk)
    try:
        keys.revoke_key(actor=request.user, key=key)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The key of %(name)s is revoked.") % {"name": key.name})
    return redirect("open311:keys")
