"""The login rate limit: attempts are counted per client address and per login name
(django-ratelimit, in the default cache). ``LOUWEI_LOGIN_RATE`` sets the rate (default 10/m).

Behind a reverse proxy every request comes from the proxy's address, so the proxy must pass the
client's address and the settings must say where: ``RATELIMIT_IP_META_KEY =
"louwei.accounts.ratelimit.real_ip"`` reads nginx's ``X-Real-IP`` (set it with
``proxy_set_header X-Real-IP $remote_addr;``, which also overwrites any value a client sends).
"""

from django.conf import settings
from django_ratelimit.core import is_ratelimited

from louwei.core.text import compact

DEFAULT_RATE = "10/m"


def real_ip(request) -> str:
    """The client's address as the reverse proxy reports it, else the connection's address."""
    return request.META.get("HTTP_X_REAL_IP", "").strip() or request.META["REMOTE_ADDR"]


def login_key(group, request) -> str:
    """Attempts are counted per login name as typed, normalised (full-width, spaces, case)."""
    return compact(request.POST.get("username", "")).lower()


def login_rate_limited(request) -> bool:
    """Count this attempt by address and by login name; true once either is over the limit."""
    rate = getattr(settings, "LOUWEI_LOGIN_RATE", DEFAULT_RATE)
    by_ip = is_ratelimited(request, group="accounts.login.ip", key="ip", rate=rate, method="POST", increment=True)
    by_name = is_ratelimited(
        request, group="accounts.login.username", key=login_key, rate=rate, method="POST", increment=True
    )
    return by_ip or by_name
