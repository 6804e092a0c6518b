"""One lock-out for every way in: the login page, the Django admin's login, the API's bearer tokens
and Open311's API keys.

Failed attempts are counted (django-ratelimit, in the default cache) per client address, and for
passwords also per login name. ``LOUWEI_LOGIN_RATE`` (default ``10/m``) is the limit for all of them:
the attempt that reaches it locks that address, or that login name, out for one period of the rate
(a minute at ``10/m``). While it is locked out every attempt is refused with a 429 and a
``Retry-After``, even one with the right credential, and nothing more is counted. Each lock-out is
written once in the audit trail (``signin.locked_out``). The login page and the admin share one
count (both take passwords); tokens and keys each have their own, so a client system with a stale
key does not lock the people of its office out of the login page.

Behind a reverse proxy every request comes from the proxy's address, so the proxy must pass the
client's address and the settings must say where: ``RATELIMIT_IP_META_KEY =
"louwei.accounts.ratelimit.real_ip"`` reads nginx's ``X-Real-IP`` (set it with
``proxy_set_header X-Real-IP $remote_addr;``, which also overwrites any value a client sends).
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core.cache import cache
from django.dispatch import receiver
from django.utils.translation import ngettext
from django_ratelimit import ALL
from django_ratelimit.core import _get_ip, _split_rate, get_usage

from louwei.core.audit import record
from louwei.core.validators import normalise_phone

DEFAULT_RATE = "10/m"
LOCK_PREFIX = "louwei:signin:lock:"


@dataclass(frozen=True)
class Way:
    """A way in. ``by_name``: attempts are also counted per login name (passwords)."""

    name: str
    by_name: bool = False


PASSWORD = Way("password", by_name=True)  # the login page and the admin's login
API_TOKEN = Way("api_token")
OPEN311_KEY = Way("open311_key")


def real_ip(request) -> str:
    """The client's address as the reverse proxy reports it, else the connection's address."""
    return request.META.get("HTTP_X_REAL_IP", "").strip() or request.META["REMOTE_ADDR"]


def address(request) -> str:
    """The client's address as the limits count it (the proxy setting and IPv6 /64 applied)."""
    return _get_ip(request)


def login_name(value) -> str:
    """A login name as typed, normalised so that one person is one name: full-width characters,
    spaces and case do not matter, and a mobile number counts as one however it is written."""
    return normalise_phone(value or "").lower()


def rate() -> str:
    return getattr(settings, "LOUWEI_LOGIN_RATE", DEFAULT_RATE) or DEFAULT_RATE


def _subjects(request, way: Way, name: str) -> list[tuple[str, str]]:
    subjects = [("address", address(request))]
    if way.by_name and login_name(name):
        subjects.append(("name", login_name(name)))
    return subjects


def _lock_key(way: Way, by: str, value: str) -> str:
    return LOCK_PREFIX + hashlib.sha256(f"{way.name}\n{by}\n{value}".encode()).hexdigest()


def locked(request, way: Way, name: str = "") -> int:
    """The seconds until this client may try ``way`` again (its address, or ``name``, is locked
    out), or 0. Counts nothing."""
    keys = [_lock_key(way, by, value) for by, value in _subjects(request, way, name)]
    now = time.time()
    wait = max((until - now for until in cache.get_many(keys).values()), default=0)
    return math.ceil(wait) if wait > 0 else 0


def failed(request, way: Way, name: str = "") -> None:
    """Count one failed attempt of ``way``. The attempt that reaches the limit locks the address
    (or the login name) out for one period and writes the lock-out in the audit trail, once."""
    limit, period = _split_rate(rate())
    for by, value in _subjects(request, way, name):
        usage = get_usage(request, group=f"signin.{way.name}.{by}", key=lambda _group, _request, v=value: v,
                          rate=rate(), method=ALL, increment=True)
        if usage is None or usage["count"] < limit:  # None: the cache failed and RATELIMIT_FAIL_OPEN is set
            continue
        # add() is true for one caller only: the lock-out starts, and is recorded, once.
        if cache.add(_lock_key(way, by, value), time.time() + period, period):
            target = _person(value) if by == "name" else None
            record(None, "signin.locked_out", target, way=way.name, by=by, value=value, seconds=period)


def _person(name: str):
    from .queries import find_person

    return find_person(name)


def minutes(seconds: int) -> int:
    """A wait in whole minutes, for messages (at least 1)."""
    return max(1, math.ceil(seconds / 60))


def locked_message(seconds: int) -> str:
    """What the login pages say while the address or the login name is locked out."""
    n = minutes(seconds)
    return ngettext("Too many login attempts. Try again in %(minutes)d minute.",
                    "Too many login attempts. Try again in %(minutes)d minutes.", n) % {"minutes": n}


def retry_after(response, seconds: int):
    """Tell the client when to try again (a 429's ``Retry-After``)."""
    if seconds > 0:
        response["Retry-After"] = str(seconds)
    return response


@receiver(user_login_failed)
def count_failed_password(sender, credentials, request=None, **kwargs):
    """Every failed password login with a request (the login page, the admin) counts here, once."""
    if request is not None:
        failed(request, PASSWORD, name=str(credentials.get("username") or ""))
