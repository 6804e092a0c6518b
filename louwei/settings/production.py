"""Production mode: ``DJANGO_SETTINGS_MODULE=louwei.settings.production``.

Passes ``manage.py check --deploy`` with no warnings. Needs SECRET_KEY and ALLOWED_HOSTS
from the environment; expects to sit behind nginx (or another proxy) that terminates TLS.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env_bool, env_list

DEBUG = False
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("louwei-insecure"):
    raise ImproperlyConfigured("Set SECRET_KEY to a random string of at least 50 characters.")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("Set ALLOWED_HOSTS, e.g. ALLOWED_HOSTS=louwei.example.gov.cn")

# Behind nginx every request comes from the proxy: rate limits count the client address that
# nginx passes in X-Real-IP (`proxy_set_header X-Real-IP $remote_addr;`).
RATELIMIT_IP_META_KEY = "louwei.accounts.ratelimit.real_ip"
# The public address printed in poster QR codes and e-mail links: never the development default.
SITE_URL = os.environ.get("SITE_URL", "").rstrip("/")
if not SITE_URL.startswith(("https://", "http://")) or "127.0.0.1" in SITE_URL or "localhost" in SITE_URL:
    raise ImproperlyConfigured("Set SITE_URL to the public address, e.g. SITE_URL=https://louwei.example.gov.cn")
# The demo building has public passwords: load_demo refuses to run here.
LOUWEI_PRODUCTION = True

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
WHITENOISE_USE_FINDERS = False
WHITENOISE_AUTOREFRESH = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
