"""A cache that keeps answering when Redis does not: :class:`FallbackCache`.

With ``REDIS_URL`` the default cache is Redis. Django's ``RedisCache`` raises on every call while
Redis is down, and every page that counts a rate limit (the login, a visitor raising a case,
Open311) would answer 500. ``FallbackCache`` sends each call to the primary cache (Redis) and, when
that cannot be reached, to the fallback (the database cache, shared by every web server), so the
pages keep serving and the rate limits keep counting. After a failure it leaves the primary alone
for ``RETRY_AFTER`` seconds (default 5), so a dead Redis costs one connection attempt per process
every few seconds, not one per call; then it tries Redis again and goes back to it once it answers.

What lived only in Redis is not seen while the fallback stands in (a rate-limit count starts again,
a roster file kept between upload and confirmation must be uploaded again), and what was written to
the fallback is not seen after Redis returns: each is short-lived by nature.

Settings (``louwei/settings/base.py`` when ``REDIS_URL`` is set)::

    CACHES = {
        "default": {"BACKEND": "louwei.core.cache.FallbackCache",
                    "OPTIONS": {"PRIMARY": "redis", "FALLBACK": "database"}},
        "redis": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                  "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}},
        "database": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "louwei_cache"},
    }
"""

from __future__ import annotations

import logging
import threading
import time

from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache

logger = logging.getLogger("louwei.cache")

# Per primary alias: the monotonic time before which the primary is not tried again.
_down_until: dict[str, float] = {}
_lock = threading.Lock()


def unavailable_errors() -> tuple[type[BaseException], ...]:
    """The errors that mean "the cache server cannot be reached", not "the call was wrong"."""
    errors: list[type[BaseException]] = [ConnectionError, TimeoutError]  # OSError subclasses
    try:
        import redis.exceptions
    except ImportError:
        pass
    else:
        errors += [redis.exceptions.ConnectionError, redis.exceptions.TimeoutError]
    return tuple(errors)


class FallbackCache(BaseCache):
    def __init__(self, location, params):
        super().__init__(params)
        options = params.get("OPTIONS", {})
        self.primary_alias = options.get("PRIMARY", "redis")
        self.fallback_alias = options.get("FALLBACK", "database")
        self.retry_after = float(options.get("RETRY_AFTER", 5))
        self._errors = unavailable_errors()

    @property
    def primary(self) -> BaseCache:
        return caches[self.primary_alias]

    @property
    def fallback(self) -> BaseCache:
        return caches[self.fallback_alias]

    def using_fallback(self) -> bool:
        """Is the fallback standing in for the primary right now (in this process)?"""
        return _down_until.get(self.primary_alias, 0) > time.monotonic()

    def _call(self, method: str, *args, **kwargs):
        if not self.using_fallback():
            try:
                result = getattr(self.primary, method)(*args, **kwargs)
            except self._errors as exc:
                with _lock:
                    first = _down_until.get(self.primary_alias) is None
                    _down_until[self.primary_alias] = time.monotonic() + self.retry_after
                if first:
                    logger.warning("Cache %r unavailable (%s: %s); using %r.", self.primary_alias,
                                   type(exc).__name__, exc, self.fallback_alias)
            else:
                if _down_until.pop(self.primary_alias, None) is not None:
                    logger.warning("Cache %r answers again.", self.primary_alias)
                return result
        return getattr(self.fallback, method)(*args, **kwargs)

    # The cache API, each call to whichever cache answers.
    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", key, value, timeout=timeout, version=version)

    def get(self, key, default=None, version=None):
        return self._call("get", key, default=default, version=version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", key, value, timeout=timeout, version=version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", key, timeout=timeout, version=version)

    def delete(self, key, version=None):
        return self._call("delete", key, version=version)

    def get_many(self, keys, version=None):
        return self._call("get_many", keys, version=version)

    def has_key(self, key, version=None):
        return self._call("has_key", key, version=version)

    def incr(self, key, delta=1, version=None):
        return self._call("incr", key, delta=delta, version=version)

    def decr(self, key, delta=1, version=None):
        return self._call("decr", key, delta=delta, version=version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", data, timeout=timeout, version=version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", keys, version=version)

    def clear(self):
        return self._call("clear")

    def close(self, **kwargs):
        for cache in (self.primary, self.fallback):
            cache.close(**kwargs)
