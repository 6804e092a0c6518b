"""The production settings as the load test serves them: gunicorn on 127.0.0.1 with plain HTTP.

Everything of ``louwei.settings.production`` holds (DEBUG off, hashed static files through
WhiteNoise, the cache and the RQ task queue on Redis when ``REDIS_URL`` is set, the rate limits
reading nginx's ``X-Real-IP``) except what needs the TLS that nginx would terminate in front:
the load test talks HTTP on the loopback, so the cookies may not be marked Secure (a client
would never send them back) and nothing is redirected to https.
"""

from louwei.settings.production import *  # noqa: F403

SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_SSL_REDIRECT = False
