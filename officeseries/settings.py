"""Settings of the OfficeSeries admin center, read from the environment.

DATABASE_URL   database (default: SQLite file db.sqlite3 beside manage.py)
DATABASE_POOL  "0" turns PostgreSQL's connection pool off (default on); DATABASE_POOL_SIZE connections per process
SECRET_KEY     required unless DEBUG is on
DEBUG          "1"/"true" turns debug on, "0"/"false" off (default: off when SECRET_KEY is set, else on)
ALLOWED_HOSTS  comma-separated host names (default with DEBUG: localhost names)
GRAPH_ACCOUNT_ID, GRAPH_ACCOUNT_NAME   the organisation as the Graph endpoint names it (accountId, accountName)
"""

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

import dj_database_url
import orjson
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_days(name: str, default: int, *, minimum: int) -> int:
    try:
        days = int(os.environ.get(name, str(default)))
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number of days.") from None
    if days < minimum:
        raise ImproperlyConfigured(f"{name} must be {minimum} or more.")
    return days


SECRET_KEY = os.environ.get("SECRET_KEY", "")
# A checkout without a secret key is a development one: debug is on unless switched off. A deployment sets the
# key, and debug is then off unless switched on. Debug off without a key refuses to start.
DEBUG = env_flag("DEBUG", default=not SECRET_KEY)
RUNNING_TESTS = "pytest" in sys.modules

if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-secret-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])

INSTALLED_APPS = [
    "django.contrib.admin",
    # Before django.contrib.auth, so that its audited createsuperuser and changepassword replace Django's.
    "accounts",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "django_htmx",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "core",
    "licensing",
    "scim",
    "graph",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "officeseries.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "accounts.sessions.SessionUserMiddleware",  # Django's, with the user read with the session
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "officeseries.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.admin_scope",
                "licensing.context_processors.notices",
            ],
            # `{% url %}` reversing each URL once per process, in place of Django's (core/templatetags/urls.py).
            "builtins": ["core.templatetags.urls"],
        },
    },
]

WSGI_APPLICATION = "officeseries.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent use of one file: WAL lets readers run beside the writer, the busy timeout makes a
    # second writer wait instead of failing, and IMMEDIATE transactions take the write lock at BEGIN,
    # so two read-then-write transactions cannot deadlock on lock upgrade.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend with psycopg's compiled loader of timestamps (core/postgresql/base.py says why).
    DATABASES["default"]["ENGINE"] = "core.postgresql"
    if env_flag("DATABASE_POOL", default=True):
        # psycopg's pool per process: a request borrows an open connection instead of opening one (a few ms of
        # PostgreSQL's fork and authentication). Connections then live in the pool, so Django must not keep them.
        # The race tests run twenty callers at once in one process, each with its own connection.
        pool_size = int(os.environ.get("DATABASE_POOL_SIZE", "32" if RUNNING_TESTS else "8"))
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": min(2, pool_size),
            "max_size": pool_size,
            "timeout": int(os.environ.get("DATABASE_POOL_TIMEOUT", "10")),
        }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A cache every process of one server shares: an upload's progress is written by the worker checking the file and
# read by whichever worker answers the browser's poll (README, "Uploading CSV files"). Several servers behind one
# address need a cache they all reach instead (Django's RedisCache or PyMemcacheCache, set here).
if RUNNING_TESTS and "CACHE_DIR" not in os.environ:
    # A directory of the test run's own (the processes it starts inherit it), never a server's; gone at exit.
    os.environ["CACHE_DIR"] = tempfile.mkdtemp(prefix="officeseries-test-cache-")
    atexit.register(shutil.rmtree, os.environ["CACHE_DIR"], ignore_errors=True)
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": os.environ.get("CACHE_DIR") or str(Path(tempfile.gettempdir()) / "officeseries-cache"),
    }
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.throttling.ThrottledModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if RUNNING_TESTS:
    # Factories create users by the hundred; PBKDF2 would cost a quarter of a second each.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "licensing:home"
LOGOUT_REDIRECT_URL = "accounts:login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
# The admin center speaks English only, and has no translations: with the translation machinery off, the active
# language is LANGUAGE_CODE itself, instead of a context-local lookup on every number, date and URL a page formats
# (README, "Where a list page's time goes"). Django's formats for "en" apply either way.
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
# `collectstatic` writes here; the load tests point it at a temporary directory.
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            # Hashed, compressed files need `collectstatic`, which development and the test suite skip.
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or RUNNING_TESTS
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Security. HTTPS=1 is the production switch: HTTPS only, secure cookies, HSTS (see README, "Deploying").
HTTPS = env_flag("HTTPS")
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", "31536000")) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
BEHIND_TLS_PROXY = env_flag("BEHIND_TLS_PROXY")
if BEHIND_TLS_PROXY:
    # The load balancer terminates TLS and says so in this header; only trust it behind such a proxy.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many proxies in front of the app append the address they were called from to X-Forwarded-For: sign-in
# throttling counts the address that many entries from the right (accounts.throttling.client_ip).
TRUSTED_PROXY_HOPS = int(os.environ.get("TRUSTED_PROXY_HOPS", "1" if BEHIND_TLS_PROXY else "0"))
if TRUSTED_PROXY_HOPS < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_HOPS must be 0 or more.")
# How many days a disabled account keeps its licenses before `reclaim_licenses` returns them to their pools.
LICENSE_RECLAIM_GRACE_DAYS = env_days("LICENSE_RECLAIM_GRACE_DAYS", 30, minimum=0)
# A pool whose forecast says it runs out in fewer days than this raises an alert (README, "Alerts").
LICENSE_FORECAST_ALERT_DAYS = env_days("LICENSE_FORECAST_ALERT_DAYS", 14, minimum=1)
# Where the admin center is reached, for the links in e-mails (which have no request to build them from).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Alerts by e-mail: printed on the console unless EMAIL_HOST names an SMTP server.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_flag("EMAIL_USE_TLS", default=True)
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "OfficeSeries admin center <admin-center@localhost>")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Admin sessions end after a working day (8 hours) or when the browser closes, whichever comes first.
SESSION_ENGINE = "accounts.sessions"  # Django's database sessions, each read with its user in one statement
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_SECONDS", str(8 * 3600)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# REST API (/api/v1/): officeseries/api/ holds the shared pieces.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "officeseries.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["officeseries.api.authentication.IsAdmin"],
    "DEFAULT_PAGINATION_CLASS": "officeseries.api.pagination.Pagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # orjson (drf-orjson-renderer): the JSON DRF's renderer writes, byte for byte, written in compiled code.
    "DEFAULT_RENDERER_CLASSES": ["drf_orjson_renderer.renderers.ORJSONRenderer"],
    # A list's validation errors are keyed by the item's index, which DRF's renderer writes as a string: "0".
    "ORJSON_RENDERER_OPTIONS": [orjson.OPT_NON_STR_KEYS],
    "DEFAULT_PARSER_CLASSES": ["officeseries.api.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "officeseries.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "officeseries.api.exceptions.exception_handler",
}
# The organisation as /graph/v1.0/subscribedSkus names it (Graph's tenant id and name).
GRAPH_ACCOUNT_ID = os.environ.get("GRAPH_ACCOUNT_ID", "0f5e4a3c-7b1d-4c2e-9a8f-6d3b2c1e0a9f")
GRAPH_ACCOUNT_NAME = os.environ.get("GRAPH_ACCOUNT_NAME", "OfficeSeries")
SPECTACULAR_SETTINGS = {
    "TITLE": "OfficeSeries admin center API",
    "DESCRIPTION": (
        "Everything an admin does in the browser, for scripts and provisioning tools: the same permission policy, "
        "service layer and error codes. Authenticate with `Authorization: Bearer <token>` "
        '(`python manage.py create_api_token EMAIL`). Every error is `{"error": {"code", "message", '
        '"details"}}`.'
    ),
    "VERSION": "1.0.0",
    "SCHEMA_PATH_PREFIX": "/api/v1/",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its docs page are for signed-in admins and token holders, like every other endpoint.
    "SERVE_PERMISSIONS": ["officeseries.api.authentication.IsAdmin"],
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
