"""Settings for Broedplaats, read from the environment.

Development works with no environment at all (SQLite file, DEBUG on, a throwaway key).
Production sets DEBUG=false, SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL; with DEBUG off the
security settings below switch on so that `manage.py check --deploy` passes.
"""

import os
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)
# The fallback key only ever serves development; production must set SECRET_KEY.
SECRET_KEY = env.str("SECRET_KEY", default="" if not DEBUG else "dev-only-insecure-key")
if not SECRET_KEY:
    raise environ.ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "axes",
    "csp",
    "simple_history",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "chains",
    "broedplaats",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files from STATIC_ROOT (hashed names, gzip and brotli), before anything else
    # works on a request it answers by itself (docs/deploy.md, "Static files").
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything reads the request (the session looks up its cookie in the database).
    "broedplaats.middleware.RefuseNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # After authentication: records request.user as who made a change (docs/architecture.md,
    # "Audit history").
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last but one, as axes asks: it turns a login that axes refused into the lockout answer.
    "axes.middleware.AxesMiddleware",
    # Last: once the URL is resolved, a kept public API list is answered without its view;
    # every middleware above still handles the answer (broedplaats/api/public_cache.py).
    "broedplaats.api.public_cache.PublicListCacheMiddleware",
]

ROOT_URLCONF = "broedplaats.urls"
WSGI_APPLICATION = "broedplaats.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "broedplaats.context_processors.roles",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock when a transaction starts, so a service's
    # check-then-insert (e.g. tenancy overlap) cannot interleave with another writer.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )
    # A file, not memory, for the test database: the concurrency tests race real threads,
    # each with its own connection, which an in-memory database cannot share.
    # Named after the database file and the process (db.sqlite3 -> test_db.sqlite3.<pid>), so
    # two test runs at once, on one machine, never share (and break) a test database.
    _sqlite_name = Path(DATABASES["default"]["NAME"])
    DATABASES["default"]["TEST"] = {
        "NAME": str(_sqlite_name.with_name(f"test_{_sqlite_name.name}.{os.getpid()}"))}
    # The running-tenancies index covers the space and end columns on PostgreSQL (an index-only
    # scan for "free now"); SQLite has no covering indexes and builds it on the key alone, which
    # is all it needs. Django warns about that on every command (models.W040): silenced here.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # PostgreSQL's JIT compiles any query its planner prices above jit_above_cost; for the
    # dashboard's aggregates over tens of thousands of rows that costs 20-40 ms a query and
    # saves less (docs/benchmarks.md). Off for the app's connections, as for most OLTP use.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections save the connect per request (2-4 ms to a local PostgreSQL, more
# over TLS; bench/pages.py): CONN_MAX_AGE seconds from the environment; in production 60 by
# default, in development 0 (a connection per request, so runserver's threads hold none).
# Health checks drop a connection the server has closed meanwhile (docs/deploy.md).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0 if DEBUG else 60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# --- read replica (issue 11) --------------------------------------------------------------------
# With DATABASE_REPLICA_URL set, the throughput dashboards read from a streaming replica (alias
# "replica"); every write, every read in a transaction and every other read stays on default.
# broedplaats/db_router.py decides; docs/deploy.md, "Scaling out". Without it there is no
# "replica" alias and everything reads default.
if env.str("DATABASE_REPLICA_URL", default=""):
    _replica = env.db("DATABASE_REPLICA_URL")
    DATABASES["replica"] = {
        **_replica,
        "OPTIONS": {**DATABASES["default"].get("OPTIONS", {}), **_replica.get("OPTIONS", {})},
        "ATOMIC_REQUESTS": False,
        "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
        "CONN_HEALTH_CHECKS": True,
        # Under tests the replica is the test database itself, read over its own connection.
        "TEST": {"MIRROR": "default"},
    }
DATABASE_ROUTERS = ["broedplaats.db_router.ReplicaRouter"]
# --- end read replica ---------------------------------------------------------------------------
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # Django's check, in the wording its Dutch catalogue translates (broedplaats/passwords.py).
    {"NAME": "broedplaats.passwords.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Axes first: it refuses a locked-out user or IP before any backend checks a password.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "building-list"

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# English date formats over Django's (chains/formatting.py); Dutch keeps Django's own.
FORMAT_MODULE_PATH = ["broedplaats.formats"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

# The audit history (django-simple-history) is read, never written back: no revert in the admin.
SIMPLE_HISTORY_REVERT_DISABLED = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")

# --- static files and media storage (issue 11; docs/deploy.md) ---------------------------------
# Static files: Django's plain storage in development and under tests (no collectstatic
# needed); in production WhiteNoise's, which serves hashed, compressed copies from STATIC_ROOT.
# Media: on disk in MEDIA_ROOT, or in an S3-compatible bucket when MEDIA_S3_BUCKET is set, each
# object stored with a Content-Type from the image whitelist (broedplaats/storage.py).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
                    if DEBUG else "broedplaats.storage.ProductionStaticFilesStorage"},
}
# Read when the middleware starts: in development (and tests) the files are found where they
# are, so STATIC_ROOT need not exist.
WHITENOISE_AUTOREFRESH = DEBUG
WHITENOISE_USE_FINDERS = DEBUG
if env.str("MEDIA_S3_BUCKET", default=""):
    STORAGES["default"] = {
        "BACKEND": "broedplaats.storage.SafeS3Storage",
        "OPTIONS": {
            "bucket_name": env.str("MEDIA_S3_BUCKET"),
            "endpoint_url": env.str("MEDIA_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("MEDIA_S3_REGION", default="") or None,
            "access_key": env.str("MEDIA_S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("MEDIA_S3_SECRET_ACCESS_KEY", default="") or None,
            "custom_domain": env.str("MEDIA_S3_CUSTOM_DOMAIN", default="") or None,
            "location": env.str("MEDIA_S3_PREFIX", default=""),
            # Private objects behind signed, expiring URLs unless a custom domain (a CDN in
            # front of a public bucket) serves them.
            "querystring_auth": env.bool("MEDIA_S3_SIGNED_URLS",
                                         default=not env.str("MEDIA_S3_CUSTOM_DOMAIN", default="")),
            "default_acl": None,
            # The names are random already; never replace an object that happens to exist.
            "file_overwrite": False,
        },
    }
# --- end static files and media storage ---------------------------------------------------------

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="broedplaats@localhost")

# The number of proxies in front of the app, each appending the address it saw to
# X-Forwarded-For. 0: the header is ignored (a client can write it itself) and the client's
# address is REMOTE_ADDR. For the API's throttles and the log-in lockout alike.
TRUSTED_PROXIES = env.int("TRUSTED_PROXIES", default=0)

REST_FRAMEWORK = {
    # Personal tokens first: a missing or refused credential then answers 401 with a challenge.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "broedplaats.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Every error is JSON in one of DRF's two shapes; see broedplaats/api/errors.py.
    "EXCEPTION_HANDLER": "broedplaats.api.errors.api_exception_handler",
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "broedplaats.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Per anonymous IP and per user, counted in the shared cache (CACHES); docs/security.md.
    "DEFAULT_THROTTLE_CLASSES": [
        "broedplaats.api.throttling.AnonRateThrottle",
        "broedplaats.api.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="120/min"),
        "user": env.str("API_THROTTLE_USER", default="600/min"),
    },
    "NUM_PROXIES": TRUSTED_PROXIES,
}
# Anonymous JSON reads of the public building and space lists kept this many seconds in the
# shared cache (broedplaats/api/public_cache.py); 0 switches it off.
API_PUBLIC_CACHE_SECONDS = env.int("API_PUBLIC_CACHE_SECONDS", default=60)
FILTERS_EMPTY_CHOICE_LABEL = _("Any")
SPECTACULAR_SETTINGS = {
    "TITLE": "Broedplaats API",
    "DESCRIPTION": "Buildings, spaces and value chains of the broedplaatsen.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models have a "kind" or a "code"; each choice set gets its own schema name.
    # Every status code an operation can answer, with the error bodies (api/schema.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "broedplaats.api.schema.document_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "SpaceKindEnum": "broedplaats.models.SpaceKind",
        "SocialReturnKindEnum": "broedplaats.models.SocialReturnKind",
        "CreativeKindEnum": "chains.models.CreativeKind",
        "FacilityCodeEnum": "broedplaats.models.FacilityCode",
        "StageCodeEnum": "chains.models.StageCode",
    },
}

# One cache for all processes: the API's throttle counts must be the same whichever worker
# answers. The database's table by default (created by `migrate`, broedplaats/apps.py), Redis
# when REDIS_URL is set.
if env.str("REDIS_URL", default=""):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": env.str("REDIS_URL")}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache",
                          "LOCATION": "broedplaats_cache"}}

# Brute-force protection on every log-in that goes through authenticate(request=...): the
# pages, the admin and the API's token. A user name or an IP address is locked out after
# AXES_FAILURE_LIMIT failures in a row for AXES_COOLOFF_MINUTES; a successful log-in resets
# the count. The attempts are rows in the database, so every process sees them.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "broedplaats.views.lockout.lockout_response"
# The client's address as DRF's throttles read it: REMOTE_ADDR, or behind TRUSTED_PROXIES
# proxies the address that many places from the right of X-Forwarded-For.
AXES_CLIENT_IP_CALLABLE = "broedplaats.views.lockout.client_ip"
AXES_HTTP_RESPONSE_CODE = 429
# No axes banner on the start of every command.
AXES_VERBOSE = False

# Content-Security-Policy on every response (docs/security.md): scripts and styles only from
# our own static files; a nonce for the few <style> blocks that size bars per page.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

# The value chain app references the place where a stage move happened through this
# setting (like AUTH_USER_MODEL), so chains never imports broedplaats.
CHAINS_PLACE_MODEL = "broedplaats.Building"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True

# --- Faults (issue 11): the database down, the health check ---------------------------------
# A lost database (OperationalError/InterfaceError) answers 503 with Retry-After instead of the
# 500 page (broedplaats/unavailable.py; the API's handler and handler500 do the same). Right
# after SecurityMiddleware and WhiteNoise (which must come first and never touches the
# database), so its process_exception runs after every other middleware's.
MIDDLEWARE.insert(MIDDLEWARE.index("whitenoise.middleware.WhiteNoiseMiddleware") + 1,
                  "broedplaats.unavailable.DatabaseUnavailableMiddleware")
