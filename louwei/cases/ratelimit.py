"""Rate limits of what people without an account do with cases: raising a case from the floor QR
code, "+1 I have the same request", adding information and looking a case up by its link. Raising is
also limited for signed-in people, per account, on the pages and the API alike.

Each is counted per client address (django-ratelimit's ``ip`` key, so ``RATELIMIT_IP_META_KEY``
behind a proxy applies as for the login, see ``louwei.accounts.ratelimit``) and per device: a random
id kept in a signed, long-lived cookie (:func:`device_id`). A phone on mobile data changes address
often but keeps its cookie; an office behind one address has many devices. Clearing the cookie only
leaves the address limit.

Only what went through is counted (:func:`count` after the service succeeded), so a visitor who
mistyped a field is not locked out; a refused attempt writes nothing. Rates can be set in the
settings (e.g. ``LOUWEI_CASE_RAISE_RATE_ADDRESS = "5/h"``); the defaults are below.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.conf import settings
from django_ratelimit import ALL
from django_ratelimit.core import get_usage

DEVICE_COOKIE = "louwei_device"
DEVICE_SALT = "louwei.cases.device"
DEVICE_MAX_AGE = 2 * 365 * 24 * 3600  # two years
_NEW_DEVICE = "_louwei_new_device"


@dataclass(frozen=True)
class Limit:
    name: str
    address_rate: str
    device_rate: str
    account_rate: str = ""  # a signed-in person, whatever face they use (page or API); none: not limited

    def rate(self, which: str) -> str:
        setting = f"LOUWEI_CASE_{self.name.upper()}_RATE_{which.upper()}"
        default = {"address": self.address_rate, "device": self.device_rate, "account": self.account_rate}[which]
        return getattr(settings, setting, default)


# An office building often reaches us through one public address, so the address limit is loose
# and the device limit does the fine work.
# A signed-in person is counted per account, on the page and the API alike: loose enough for a floor
# leader raising cases after a round of visits, tight enough to stop a script.
RAISE = Limit("raise", address_rate="30/h", device_rate="3/10m", account_rate="30/h")
SUPPORT = Limit("support", address_rate="20/h", device_rate="10/10m")
ADD_INFORMATION = Limit("add", address_rate="20/h", device_rate="10/10m")
LOOKUP = Limit("lookup", address_rate="20/h", device_rate="10/10m")


def device_id(request) -> str:
    """This browser's device id, from its signed cookie; a new one if it has none (or a forged one).
    :func:`remember_device` puts a new id into the response."""
    cached = getattr(request, _NEW_DEVICE, None)
    if cached:
        return cached
    value = request.get_signed_cookie(DEVICE_COOKIE, default="", salt=DEVICE_SALT)
    if value:
        return value
    value = secrets.token_hex(16)
    setattr(request, _NEW_DEVICE, value)
    return value


def remember_device(request, response):
    """Set the device cookie on ``response`` when this request gave the browser a new id."""
    value = getattr(request, _NEW_DEVICE, None)
    if value:
        response.set_signed_cookie(
            DEVICE_COOKIE, value, salt=DEVICE_SALT, max_age=DEVICE_MAX_AGE, httponly=True, samesite="Lax",
            secure=request.is_secure(),
        )
    return response


def address(request) -> str:
    """The client's address as the rate limit counts it (the proxy setting applied)."""
    from django_ratelimit.core import _get_ip  # the same function the "ip" key uses

    return _get_ip(request)


def _device_key(group, request) -> str:
    return device_id(request)


def _usages(request, limit: Limit, increment: bool, person=None):
    group = f"cases.{limit.name}"
    if person is not None and getattr(person, "is_authenticated", False):
        rate = limit.rate("account")
        if not rate:
            return []
        return [get_usage(request, group=f"{group}.account", key=lambda _group, _request: str(person.pk),
                          rate=rate, method=ALL, increment=increment)]
    return [
        get_usage(request, group=f"{group}.ip", key="ip", rate=limit.rate("address"), method=ALL,
                  increment=increment),
        get_usage(request, group=f"{group}.device", key=_device_key, rate=limit.rate("device"), method=ALL,
                  increment=increment),
    ]


def is_limited(request, limit: Limit, *, person=None) -> int:
    """Has this address or this device (``person``: this account) already used up ``limit``? Counts
    nothing. Returns the seconds until it may try again (true), or 0 (false)."""
    wait = 0
    for usage in _usages(request, limit, increment=False, person=person):
        if usage is None:  # the cache failed and RATELIMIT_FAIL_OPEN is set
            continue
        if usage["limit"] == 0 or usage["count"] >= usage["limit"]:
            wait = max(wait, usage["time_left"], 1)
    return wait


def retry_after(response, seconds: int):
    """Tell the client when to try again (a 429's ``Retry-After``)."""
    if seconds > 0:
        response["Retry-After"] = str(seconds)
    return response


def count(request, limit: Limit, *, person=None) -> None:
    """Count one use of ``limit`` by this address and this device (``person``: by this account)."""
    _usages(request, limit, increment=True, person=person)
