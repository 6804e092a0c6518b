"""Settings shared by every mode. Everything a deployment changes comes from the environment."""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("LOUWEI_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "louwei-insecure-development-key-change-me")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Absolute address printed in QR codes and links that leave the site (posters, e-mail).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "louwei.accounts.admin_site.AdminConfig",  # django.contrib.admin, its login locked out like ours
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django_htmx",
    "django_filters",
    "simple_history",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "louwei.core",
    "louwei.accounts",
    "louwei.buildings",
    "louwei.centre",
    "louwei.committee",
    "louwei.home",
    "louwei.notifications",
    "louwei.jobs",
    "louwei.notices",
    "louwei.library",
    "louwei.holidays",
    "louwei.cases",
    "louwei.open311",
    "louwei.api",
    "louwei.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "louwei.core.middleware.ControlCharactersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

from .api import API_INSTALLED_APPS, REST_FRAMEWORK, SPECTACULAR_SETTINGS  # noqa: E402

INSTALLED_APPS += API_INSTALLED_APPS

ROOT_URLCONF = "louwei.urls"
WSGI_APPLICATION = "louwei.wsgi.application"
ASGI_APPLICATION = "louwei.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "louwei" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "louwei.home.context_processors.navigation",
                "louwei.notifications.context_processors.inbox",
            ],
        },
    },
]

# `{{ form }}` renders with the design system's field markup (label, input, help, errors).
FORM_RENDERER = "louwei.core.forms.FormRenderer"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'louwei.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets the worker and the web server share the embedded database.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = False

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["louwei.accounts.backends.UsernameOrPhoneBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home:index"
LOGOUT_REDIRECT_URL = "home:index"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "louwei" / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "louwei" / "static"]
# Nothing under MEDIA_ROOT is served at MEDIA_URL: every stored file is private and reaches a browser
# only through a view that checks who may see it (louwei.core.files.serve), so `.url` is never used.
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Development and the laptop demo serve static files straight from the source folders;
# production serves the collected, hashed copies (settings.production).
WHITENOISE_USE_FINDERS = True
try:  # WhiteNoise warns on every start when STATIC_ROOT is missing (before the first collectstatic).
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
except OSError:
    pass
WHITENOISE_AUTOREFRESH = DEBUG

# E-mail: printed to the console unless an SMTP server is configured.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "楼委 Louwei <noreply@localhost>")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# A send may never hang: a claim older than LOUWEI_SENDING_STALE_MINUTES is settled as "unknown".
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))

# Uploads: requests above these sizes are refused before they reach a view.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
LOUWEI_MAX_PHOTO_BYTES = 5 * 1024 * 1024
LOUWEI_MAX_ROSTER_BYTES = 5 * 1024 * 1024
LOUWEI_MAX_ROSTER_ROWS = 5000
LOUWEI_PRODUCTION = False
# Private files (louwei.core.files.serve): behind nginx, the prefix of the `internal` location that maps
# onto MEDIA_ROOT, so nginx sends a file after the application has checked who may see it.
LOUWEI_X_ACCEL_REDIRECT = os.environ.get("LOUWEI_X_ACCEL_REDIRECT", "")
# Group-chat robots may only be posted to these hosts (WeCom, DingTalk), so a building's staff cannot
# make the server call internal addresses. Comma-separated; add an intranet robot gateway here.
LOUWEI_WEBHOOK_HOSTS = env_list("LOUWEI_WEBHOOK_HOSTS", "qyapi.weixin.qq.com,oapi.dingtalk.com")
LOUWEI_LOGIN_RATE = os.environ.get("LOUWEI_LOGIN_RATE", "10/m")
LOUWEI_TASK_RESULTS_KEEP_DAYS = int(os.environ.get("LOUWEI_TASK_RESULTS_KEEP_DAYS", "14"))
# A notification claimed for sending this long ago belongs to a worker that stopped: marked "unknown".
LOUWEI_SENDING_STALE_MINUTES = int(os.environ.get("LOUWEI_SENDING_STALE_MINUTES", "15"))
# A background task still "running" after this many hours belongs to a worker that stopped.
LOUWEI_TASK_STALE_HOURS = int(os.environ.get("LOUWEI_TASK_STALE_HOURS", "6"))
# `manage.py backup` writes its archives here unless --out says otherwise.
LOUWEI_BACKUP_DIR = Path(os.environ.get("LOUWEI_BACKUP_DIR", VAR_DIR / "backups"))
# The folder of pg_dump, pg_restore and psql for a PostgreSQL backup (default: found on the PATH).
LOUWEI_PG_BINDIR = os.environ.get("LOUWEI_PG_BINDIR", "")

# Background jobs (exports, posters, roster imports): how long their files are kept (1 hour to 7 days),
# and how many of one kind a person may have waiting or under way at once.
LOUWEI_JOB_KEEP_HOURS = int(os.environ.get("LOUWEI_JOB_KEEP_HOURS", "24"))
LOUWEI_JOBS_AT_ONCE = int(os.environ.get("LOUWEI_JOBS_AT_ONCE", "3"))
# Cases: the working hours that "working hours" deadlines count (on China's official working days).
LOUWEI_WORKING_HOURS = tuple(os.environ.get("LOUWEI_WORKING_HOURS", "09:00-18:00").split("-", 1))
# How often (seconds) each process checks whether a year of the official calendar was entered.
LOUWEI_CALENDAR_CHECK_SECONDS = float(os.environ.get("LOUWEI_CALENDAR_CHECK_SECONDS", "30"))
# Open311 GET requests need an API key unless this is on: case descriptions may name people.
LOUWEI_OPEN311_PUBLIC_READ = env_bool("LOUWEI_OPEN311_PUBLIC_READ", False)
# Visitors raising cases without an account: per client address and per device (a signed cookie).
LOUWEI_CASE_RAISE_RATE_ADDRESS = os.environ.get("LOUWEI_CASE_RAISE_RATE_ADDRESS", "30/h")
LOUWEI_CASE_RAISE_RATE_DEVICE = os.environ.get("LOUWEI_CASE_RAISE_RATE_DEVICE", "3/10m")
# Signed-in people raising cases, on the pages and the API alike: per account.
LOUWEI_CASE_RAISE_RATE_ACCOUNT = os.environ.get("LOUWEI_CASE_RAISE_RATE_ACCOUNT", "30/h")
LOUWEI_OPEN311_RATE = os.environ.get("LOUWEI_OPEN311_RATE", "60/m")  # POSTs per API key
LOUWEI_OPEN311_CONTACT = os.environ.get("LOUWEI_OPEN311_CONTACT", "")  # shown in the discovery document

REDIS_URL = os.environ.get("REDIS_URL", "")
DATABASE_CACHE = {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "louwei_cache"}


def _with_query(url: str, parameter: str) -> str:
    name = parameter.split("=", 1)[0]
    if f"{name}=" in url:
        return url
    return f"{url}{'&' if '?' in url else '?'}{parameter}"


def redis_settings(url: str) -> dict:
    """CACHES, RQ_QUEUES and TASKS on Redis at ``url``, each with the database standing in while Redis
    is down: the cache falls back to the database cache (louwei.core.cache), and a task that cannot
    be queued waits in a database outbox until the scheduler relays it (louwei.core.taskqueue)."""
    return {
        "CACHES": {
            "default": {"BACKEND": "louwei.core.cache.FallbackCache",
                        "OPTIONS": {"PRIMARY": "redis", "FALLBACK": "database"}},
            "redis": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url,
                      "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2}},
            "database": DATABASE_CACHE,
        },
        # A refused or unreachable Redis fails the enqueue within a second or two (then the outbox
        # takes the task); no read timeout, which would break the workers' long blocking waits.
        "RQ_QUEUES": {"default": {"URL": _with_query(url, "socket_connect_timeout=2"), "DEFAULT_TIMEOUT": 600}},
        "TASKS": {
            "default": {"BACKEND": "louwei.core.taskqueue.RQWithOutbox", "QUEUES": ["default"],
                        "OPTIONS": {"OUTBOX": "outbox"}},
            "outbox": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]},
        },
    }


if REDIS_URL:
    globals().update(redis_settings(REDIS_URL))
    INSTALLED_APPS.append("django_rq")
else:
    CACHES = {"default": DATABASE_CACHE}
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# Content Security Policy: every script, style and font comes from this site.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # WeasyPrint and fontTools log every layout step at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Product labels used in the shell.
LOUWEI_PRODUCT_NAME = _("Louwei")
