"""Settings shared by every environment.

Everything that differs between machines comes from environment variables, each documented
in `.env.example`. Services that are not configured fall back to embedded stand-ins
(DESIGN.md §2); each fallback is named in `EMBEDDED_FALLBACKS` and logged once at start-up.
`production.py` refuses those fallbacks.
"""

from datetime import timedelta
from pathlib import Path
from typing import Any

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

VERSION = env("KINDRED_VERSION", default="0.1.0")

# One line per embedded stand-in in use; `core.apps` logs them at start-up.
EMBEDDED_FALLBACKS: list[str] = []

# --- Core Django ---------------------------------------------------------------------------

SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # daphne first: its `runserver` serves HTTP and WebSocket from the ASGI application.
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "corsheaders",
    "channels",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "storages",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "core",
    "accounts",
    "profiles",
    "moderation",
    "discovery",
    "matching",
    "chat",
    "ai_helpers",
    "notifications",
]

MIDDLEWARE = [
    "core.middleware.RequestIdMiddleware",
    "core.middleware.RequestSizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Marks request.user.is_verified() for staff who passed the admin's TOTP step.
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
            ],
        },
    },
]

AUTH_USER_MODEL = "accounts.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("KINDRED_MEDIA_ROOT", default=str(VAR_DIR / "media")))

# Request bodies: JSON bodies are small; uploads (photos, up to 10 MB) stream to disk.
# Anything larger than KINDRED_MAX_REQUEST_BYTES is refused with 413 before it is read.
KINDRED_MAX_REQUEST_BYTES = env.int("KINDRED_MAX_REQUEST_BYTES", default=12 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DJANGO_DATA_UPLOAD_MAX_MEMORY_SIZE", default=1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.validators.LetterAndDigitValidator"},
]

# --- Database ------------------------------------------------------------------------------

# Empty means "not configured": local and test settings then start the embedded PostgreSQL;
# production refuses to start.
DATABASE_URL = env("DATABASE_URL", default="")
DATABASES = {"default": env.db_url_config(DATABASE_URL)} if DATABASE_URL else {}
DATABASE_CONN_MAX_AGE = env.int("DATABASE_CONN_MAX_AGE", default=60)
# A psycopg connection pool per process (Django's native pooling): the ASGI server runs
# each request's ORM work on its own thread, so persistent connections are not reused and
# every request would otherwise open a new connection. Off in tests (pytest-django wraps
# connections itself).
DATABASE_POOL = env.bool("DATABASE_POOL", default=False)
if DATABASES and DATABASE_POOL:
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=2),
        "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=10),
        "timeout": 10,
    }
EMBEDDED_POSTGRES_DIR = Path(env("KINDRED_EMBEDDED_PGDATA", default=str(VAR_DIR / "pgdata")))
EMBEDDED_DATABASE_NAME = "kindred"

# --- Redis: cache, channel layer, Celery broker, deck and rate-limit stores ----------------

REDIS_URL = env("REDIS_URL", default="")
# Keys that Kindred writes directly (decks, rate limits, presence) start with this prefix.
REDIS_KEY_PREFIX = env("KINDRED_REDIS_PREFIX", default="kindred")

if REDIS_URL:
    CACHES: dict[str, dict[str, Any]] = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": REDIS_KEY_PREFIX,
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    CHANNEL_LAYERS: dict[str, dict[str, Any]] = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": f"{REDIS_KEY_PREFIX}:asgi"},
        }
    }
    CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True
    EMBEDDED_FALLBACKS += [
        "cache: in-process memory (REDIS_URL unset)",
        "channel layer: in-process memory, one server process only (REDIS_URL unset)",
        "celery: tasks run eagerly in the web process (REDIS_URL unset)",
        "deck and rate-limit store: in-process Redis stand-in (REDIS_URL unset)",
    ]

# --- Celery --------------------------------------------------------------------------------

CELERY_RESULT_BACKEND = None
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Keep our logging configuration (JSON, request ids) in workers too.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 90
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BEAT_SCHEDULE_FILENAME = env(
    "CELERY_BEAT_SCHEDULE_FILENAME", default=str(VAR_DIR / "celerybeat-schedule")
)

# --- Storage -------------------------------------------------------------------------------

# Lifetime of every media URL handed to a client (S3 presigned or disk-signed), seconds.
KINDRED_MEDIA_URL_TTL = env.int("KINDRED_MEDIA_URL_TTL", default=3600)
# Photo uploads: largest accepted file (413 `photo_too_large` beyond) and largest pixel count
# (width x height; 400 `image_too_many_pixels` beyond, which also stops decompression bombs).
KINDRED_PHOTO_MAX_BYTES = env.int("KINDRED_PHOTO_MAX_BYTES", default=10 * 1024 * 1024)
KINDRED_PHOTO_MAX_PIXELS = env.int("KINDRED_PHOTO_MAX_PIXELS", default=40_000_000)

AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    from botocore.config import Config as _BotoConfig

    AWS_S3_ENDPOINT_URL = env("AWS_S3_ENDPOINT_URL", default=None)
    AWS_S3_REGION_NAME = env("AWS_S3_REGION_NAME", default="us-east-1")
    AWS_ACCESS_KEY_ID = env("AWS_ACCESS_KEY_ID", default=None)
    AWS_SECRET_ACCESS_KEY = env("AWS_SECRET_ACCESS_KEY", default=None)
    AWS_DEFAULT_ACL = None
    AWS_QUERYSTRING_AUTH = True
    AWS_QUERYSTRING_EXPIRE = KINDRED_MEDIA_URL_TTL
    AWS_S3_FILE_OVERWRITE = False
    AWS_S3_SIGNATURE_VERSION = "s3v4"
    AWS_S3_ADDRESSING_STYLE = env("AWS_S3_ADDRESSING_STYLE", default="path")
    # Every call to the bucket has a timeout. A client config replaces django-storages' own,
    # so it repeats the signature version and addressing style.
    AWS_S3_CLIENT_CONFIG = _BotoConfig(
        connect_timeout=5,
        read_timeout=30,
        retries={"max_attempts": 3, "mode": "standard"},
        signature_version=AWS_S3_SIGNATURE_VERSION,
        s3={"addressing_style": AWS_S3_ADDRESSING_STYLE},
    )
    _default_storage: dict[str, Any] = {"BACKEND": "storages.backends.s3.S3Storage"}
else:
    # Files on disk, served by core.media only through signed, expiring URLs.
    _default_storage = {
        "BACKEND": "core.storage.SignedFileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT)},
    }
    EMBEDDED_FALLBACKS.append(
        f"storage: files on disk at {MEDIA_ROOT} (AWS_STORAGE_BUCKET_NAME unset)"
    )

STORAGES: dict[str, dict[str, Any]] = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- REST API ------------------------------------------------------------------------------

REST_FRAMEWORK: dict[str, Any] = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["accounts.authentication.JWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.CursorPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # No OPTIONS introspection of serializers (the schema documents them); CORS preflight
    # is answered by the CORS middleware before any view.
    "DEFAULT_METADATA_CLASS": None,
    "EXCEPTION_HANDLER": "core.exception_handler.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# The largest page any list endpoint hands out, whatever `limit` asks for.
KINDRED_MAX_PAGE_SIZE = 50

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=30)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "ALGORITHM": "HS256",
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
    "LEEWAY": 5,
}

# Throttles: "<count>/<seconds>". Login is counted per client IP and per account (email).
KINDRED_THROTTLES = {
    "signup_ip": env("THROTTLE_SIGNUP_IP", default="10/3600"),
    "signup_account": env("THROTTLE_SIGNUP_ACCOUNT", default="5/3600"),
    "login_ip": env("THROTTLE_LOGIN_IP", default="30/900"),
    "login_account": env("THROTTLE_LOGIN_ACCOUNT", default="10/900"),
    "refresh_ip": env("THROTTLE_REFRESH_IP", default="120/900"),
    "password_change_user": env("THROTTLE_PASSWORD_CHANGE_USER", default="10/3600"),
    "location_user": env("THROTTLE_LOCATION_USER", default="30/3600"),
    "photo_upload_user": env("THROTTLE_PHOTO_UPLOAD_USER", default="30/3600"),
    "verification_user": env("THROTTLE_VERIFICATION_USER", default="5/3600"),
}
# Number of reverse proxies in front of the app; their X-Forwarded-For entries are trusted.
KINDRED_TRUSTED_PROXY_COUNT = env.int("KINDRED_TRUSTED_PROXY_COUNT", default=0)
# Loaded with the user in the one authentication query of each request.
KINDRED_AUTH_SELECT_RELATED = ("profile",)
# `last_seen_at` is written at most this often per user, to keep requests read-only.
KINDRED_LAST_SEEN_RESOLUTION = timedelta(minutes=5)

SPECTACULAR_SETTINGS = {
    "TITLE": "Kindred API",
    "DESCRIPTION": (
        "Backend for dating and matchmaking apps. Errors are always "
        '`{"code", "message", "extra"}`; see DESIGN.md §8.'
    ),
    "VERSION": VERSION,
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Choices shared by several fields get one name each in the schema.
    "ENUM_NAME_OVERRIDES": {
        "GenderEnum": "profiles.models.Gender",
        "FrequencyEnum": "profiles.models.Frequency",
        "LanguageCodeEnum": "profiles.languages.LANGUAGE_CHOICES",
        "BadgeCodeEnum": "profiles.models.BadgeCode",
    },
}

# --- CORS ----------------------------------------------------------------------------------

CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/api/.*$"
CORS_EXPOSE_HEADERS = ["X-Request-ID", "Retry-After"]

# --- Logging -------------------------------------------------------------------------------

LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOG_FORMAT = env("LOG_FORMAT", default="json")  # "json" or "text"

LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "core.logging.RequestIdFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "text": {"format": "%(asctime)s %(levelname)-7s [%(request_id)s] %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": LOG_FORMAT if LOG_FORMAT in ("json", "text") else "json",
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
        # runserver (daphne) prints each request itself; don't log it a second time.
        "django.channels.server": {"level": "INFO", "handlers": [], "propagate": False},
        # daphne logs every request at INFO; our middleware already carries the request id.
        "daphne": {"level": "WARNING"},
    },
}

# --- Error reporting -----------------------------------------------------------------------

SENTRY_DSN = env("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT = env("SENTRY_ENVIRONMENT", default="development")
SENTRY_TRACES_SAMPLE_RATE = env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0)

if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=SENTRY_ENVIRONMENT,
        release=VERSION,
        traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        # Users' emails, phones and IPs never leave for a third party.
        send_default_pii=False,
    )

# --- Discovery -----------------------------------------------------------------------------

# A passed profile stays out of the deck this many days, then may come back.
KINDRED_PASS_COOLDOWN_DAYS = env.int("KINDRED_PASS_COOLDOWN_DAYS", default=30)
# How many picks a person gets per day (GET /discovery/picks); fixed for the day.
KINDRED_PICKS_PER_DAY = env.int("KINDRED_PICKS_PER_DAY", default=8)
# Largest `limit` the search accepts; a larger one is a 400, not a silent cap.
KINDRED_SEARCH_MAX_PAGE_SIZE = env.int("KINDRED_SEARCH_MAX_PAGE_SIZE", default=50)
# Expired passes are deleted this many per statement, so no delete holds locks for long.
KINDRED_PASS_EXPIRY_BATCH_SIZE = env.int("KINDRED_PASS_EXPIRY_BATCH_SIZE", default=10000)
# Deck ranking weights, each component scored 0–1 (discovery.ranking); missing ones count 0.
KINDRED_DECK_WEIGHTS = env.dict(
    "KINDRED_DECK_WEIGHTS",
    cast={"value": float},
    default={
        "compatibility": 0.35,
        "distance": 0.25,
        "activity": 0.15,
        "completeness": 0.10,
        "fairness": 0.15,
    },
)
# Profiles ranked into each person's deck in Redis.
KINDRED_DECK_SIZE = env.int("KINDRED_DECK_SIZE", default=300)
# A deck (and the set of profiles it served) lives this long in Redis.
KINDRED_DECK_TTL_SECONDS = env.int("KINDRED_DECK_TTL_SECONDS", default=6 * 3600)
# Fewer entries left than this schedules a rebuild of the deck.
KINDRED_DECK_LOW_WATERMARK = env.int("KINDRED_DECK_LOW_WATERMARK", default=50)
