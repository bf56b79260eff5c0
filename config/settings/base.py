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
    # The admin with the moderators' console site (TOTP when KINDRED_ADMIN_REQUIRE_OTP).
    "moderation.console_apps.ConsoleAdminConfig",
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
# Parameters bound on the server, so that psycopg prepares a statement a connection runs
# often (its prepare_threshold): PostgreSQL then plans the hot queries once per connection
# instead of on every call (planning was most of a chat send's locking read). Turn off
# behind a pooler that cannot keep prepared statements (PgBouncer in transaction mode
# without max_prepared_statements).
# (The embedded database of local and test settings gets the same options.)
DATABASE_SERVER_SIDE_BINDING = env.bool("DATABASE_SERVER_SIDE_BINDING", default=True)
DATABASE_OPTIONS: dict[str, Any] = (
    {
        "server_side_binding": True,
        # Runs of one statement on a connection before psycopg prepares it (Django turns
        # preparing off unless told).
        "prepare_threshold": env.int("DATABASE_PREPARE_THRESHOLD", default=5),
    }
    if DATABASE_SERVER_SIDE_BINDING
    else {}
)
if DATABASES:
    DATABASES["default"].setdefault("OPTIONS", {}).update(DATABASE_OPTIONS)
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
    # Redis pub/sub carries the socket events: a group send is one PUBLISH, and each
    # server process holds one subscribed connection that Redis pushes events down as they
    # are published. The list-based layer (channels_redis.core) took four round trips per
    # group send and a BZPOPMIN loop per process to receive, 3 ms of a chat message's 9 ms
    # on the way to the other person (bench/results/ws.md). Events are delivered at most
    # once, as with the list-based layer when a queue was full: the socket protocol never
    # relies on them arriving (clients catch up by `after_seq`, DESIGN.md §7).
    # No socket timeout on the layer's connections: redis-py then writes each command
    # through `asyncio.wait_for`, which on Python 3.11 drops a cancellation that arrives
    # just as the write finishes (CPython gh-86296, fixed in 3.12), and a cancelled
    # receive could loop forever. A dead peer is found by TCP keepalive instead.
    CHANNEL_LAYERS: dict[str, dict[str, Any]] = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "socket_timeout": None,
                        "socket_connect_timeout": 5,
                        "socket_keepalive": True,
                    }
                ],
                "prefix": f"{REDIS_KEY_PREFIX}:asgi",
            },
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
# Each process keeps a viewer's compiled visibility SQL this long (GET /deck rechecks every
# page with it); a pass that just expired may keep its profile hidden up to this much longer.
KINDRED_VISIBILITY_SQL_CACHE_SECONDS = env.int("KINDRED_VISIBILITY_SQL_CACHE_SECONDS", default=60)

# --- AI helpers ----------------------------------------------------------------------------

# Any OpenAI-compatible chat-completions endpoint (OpenAI, OpenRouter, a local server).
# No key: the local rule-based provider answers instead (the embedded default).
KINDRED_AI_BASE_URL = env("KINDRED_AI_BASE_URL", default="https://api.openai.com/v1")
KINDRED_AI_API_KEY = env("KINDRED_AI_API_KEY", default="")
KINDRED_AI_MODEL = env("KINDRED_AI_MODEL", default="gpt-4o-mini")
# Each call to the provider gives up after this many seconds (keep it well below
# CELERY_TASK_SOFT_TIME_LIMIT).
KINDRED_AI_TIMEOUT_SECONDS = env.float("KINDRED_AI_TIMEOUT_SECONDS", default=20.0)
# Timeouts, 5xx and connection errors are retried this many times, waiting
# KINDRED_AI_RETRY_BACKOFF_SECONDS * 2**n (capped) before retry n; then the job fails.
KINDRED_AI_MAX_RETRIES = env.int("KINDRED_AI_MAX_RETRIES", default=3)
KINDRED_AI_RETRY_BACKOFF_SECONDS = env.float("KINDRED_AI_RETRY_BACKOFF_SECONDS", default=5.0)
KINDRED_AI_RETRY_BACKOFF_MAX_SECONDS = env.float(
    "KINDRED_AI_RETRY_BACKOFF_MAX_SECONDS", default=120.0
)
# Jobs per person in a sliding window, "<count>/<seconds>".
KINDRED_AI_RATE_LIMITS = {
    "profile_analysis": env("KINDRED_AI_RATE_PROFILE_ANALYSIS", default="3/3600"),
    "openers": env("KINDRED_AI_RATE_OPENERS", default="5/3600"),
}
# A job still queued or running after this long is failed by the sweep (lost task).
KINDRED_AI_JOB_STALE_SECONDS = env.int("KINDRED_AI_JOB_STALE_SECONDS", default=900)
# Finished jobs (and their results) are deleted after this many days.
KINDRED_AI_JOB_RETENTION_DAYS = env.int("KINDRED_AI_JOB_RETENTION_DAYS", default=30)
if not KINDRED_AI_API_KEY:
    EMBEDDED_FALLBACKS.append("AI: local rule-based provider (KINDRED_AI_API_KEY unset)")
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(
    {
        "AIJobKindEnum": "ai_helpers.models.AIJobKind",
        "AIJobStatusEnum": "ai_helpers.models.AIJobStatus",
        "AIProviderEnum": "ai_helpers.models.AIProviderName",
        "AISuggestionAreaEnum": "ai_helpers.schemas.SUGGESTION_AREA_CHOICES",
    }
)

# --- Accounts lifecycle ----------------------------------------------------------------------

# Links in emails (verification, password reset) open the app at this address; the app
# posts the token to the API.
KINDRED_APP_BASE_URL = env("KINDRED_APP_BASE_URL", default="http://localhost:3000").rstrip("/")
KINDRED_EMAIL_VERIFY_PATH = env("KINDRED_EMAIL_VERIFY_PATH", default="/verify-email?token=")
KINDRED_PASSWORD_RESET_PATH = env("KINDRED_PASSWORD_RESET_PATH", default="/reset-password?token=")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Kindred <no-reply@kindred.local>")
# Seconds before an SMTP connection or command gives up (the sending task retries).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
# Seconds a password-reset link works (Django's own setting; single use in any case).
PASSWORD_RESET_TIMEOUT = env.int("KINDRED_PASSWORD_RESET_TIMEOUT_SECONDS", default=3600)
# Seconds an email-verification link works.
KINDRED_EMAIL_VERIFICATION_MAX_AGE = env.int(
    "KINDRED_EMAIL_VERIFICATION_MAX_AGE_SECONDS", default=3 * 24 * 3600
)
# A sign-in from a device/network combination not seen for this many days sends a notice.
KINDRED_LOGIN_DEVICE_MEMORY_DAYS = env.int("KINDRED_LOGIN_DEVICE_MEMORY_DAYS", default=180)
# MFA: the issuer shown in authenticator apps, and how many recovery codes are handed out.
OTP_TOTP_ISSUER = env("KINDRED_OTP_ISSUER", default="Kindred")
KINDRED_MFA_RECOVERY_CODE_COUNT = 10
# Days between DELETE /me and the erasure; signing in before then cancels the deletion.
KINDRED_ACCOUNT_DELETION_GRACE_DAYS = env.int("KINDRED_ACCOUNT_DELETION_GRACE_DAYS", default=7)
# Data exports: one per this many hours; the archive is kept this many days; each signed
# download link works this many seconds.
KINDRED_EXPORT_INTERVAL_HOURS = env.int("KINDRED_EXPORT_INTERVAL_HOURS", default=24)
KINDRED_EXPORT_RETENTION_DAYS = env.int("KINDRED_EXPORT_RETENTION_DAYS", default=7)
KINDRED_EXPORT_LINK_TTL = env.int("KINDRED_EXPORT_LINK_TTL_SECONDS", default=900)
KINDRED_THROTTLES.update(
    {
        "password_reset_ip": env("THROTTLE_PASSWORD_RESET_IP", default="10/3600"),
        "password_reset_account": env("THROTTLE_PASSWORD_RESET_ACCOUNT", default="3/3600"),
        "token_confirm_ip": env("THROTTLE_TOKEN_CONFIRM_IP", default="30/3600"),
        "email_verify_resend_user": env("THROTTLE_EMAIL_VERIFY_RESEND_USER", default="3/3600"),
        # One-time codes checked per account: at sign-in, MFA confirm and disable.
        "mfa_user": env("THROTTLE_MFA_USER", default="10/900"),
        "account_delete_user": env("THROTTLE_ACCOUNT_DELETE_USER", default="5/3600"),
    }
)

# --- Chat ----------------------------------------------------------------------------------

# Messages a person may send, "<count>/<seconds>" (REST and socket alike), and how many new
# conversations they may open (first messages) per window.
KINDRED_CHAT_SEND_RATE = env("KINDRED_CHAT_SEND_RATE", default="60/60")
KINDRED_CHAT_OPENER_RATE = env("KINDRED_CHAT_OPENER_RATE", default="60/86400")
# An opener (someone's first message in a conversation) may not repeat, ignoring case,
# punctuation and emoji, what they opened with to other people within this window; such a
# send is refused (`opener_copied`) and flagged for moderators. Openers shorter than
# MIN_LENGTH characters ("hi", "hey 👋") are not compared; MAX_COPIES earlier copies are
# tolerated (0: none).
KINDRED_CHAT_OPENER_WINDOW_HOURS = env.int("KINDRED_CHAT_OPENER_WINDOW_HOURS", default=72)
KINDRED_CHAT_OPENER_MIN_LENGTH = env.int("KINDRED_CHAT_OPENER_MIN_LENGTH", default=12)
KINDRED_CHAT_OPENER_MAX_COPIES = env.int("KINDRED_CHAT_OPENER_MAX_COPIES", default=0)
# "Typing…" is relayed at most once per this many seconds per conversation and socket.
KINDRED_CHAT_TYPING_INTERVAL_SECONDS = env.float("KINDRED_CHAT_TYPING_INTERVAL_SECONDS", default=3)
# One-time socket tickets (POST /api/v1/realtime/ticket) live this long.
KINDRED_REALTIME_TICKET_TTL_SECONDS = env.int("KINDRED_REALTIME_TICKET_TTL_SECONDS", default=30)
KINDRED_THROTTLES["realtime_ticket_user"] = env("THROTTLE_REALTIME_TICKET_USER", default="30/60")
# Browser origins allowed to open the socket, besides the hosts of ALLOWED_HOSTS and the
# CORS_ALLOWED_ORIGINS. Native apps send no Origin header; they are let through (the ticket
# is no ambient credential a foreign page could ride on) unless this is off.
KINDRED_WS_ALLOWED_ORIGINS = env.list("KINDRED_WS_ALLOWED_ORIGINS", default=[])
KINDRED_WS_ALLOW_MISSING_ORIGIN = env.bool("KINDRED_WS_ALLOW_MISSING_ORIGIN", default=True)
# Largest client frame accepted, and frames per socket per window ("<count>/<seconds>").
KINDRED_WS_MAX_FRAME_BYTES = env.int("KINDRED_WS_MAX_FRAME_BYTES", default=16 * 1024)
KINDRED_WS_FRAME_RATE = env("KINDRED_WS_FRAME_RATE", default="120/10")
# Threads per server process running the sockets' database and Redis work (each may hold
# one database connection). Few: the process has one core's worth of Python, a chat send
# waits about 2 ms on the database, and an idle thread is woken in turn, so with many each
# message met a connection (and a PostgreSQL backend) that had been idle the longest. 16
# threads gave a chat p50 of 5.5-6.0 ms where 4 gave 4.4-4.9 (bench/results/ws.md).
KINDRED_WS_THREADS = env.int("KINDRED_WS_THREADS", default=4)
# Presence: a socket counts as online until TTL seconds after its last heartbeat, sent
# every HEARTBEAT seconds; last-seen times are kept this many days.
KINDRED_PRESENCE_TTL_SECONDS = env.int("KINDRED_PRESENCE_TTL_SECONDS", default=60)
KINDRED_PRESENCE_HEARTBEAT_SECONDS = env.int("KINDRED_PRESENCE_HEARTBEAT_SECONDS", default=20)
KINDRED_PRESENCE_LAST_SEEN_DAYS = env.int("KINDRED_PRESENCE_LAST_SEEN_DAYS", default=30)
# Calls: an invite nobody answers within this many seconds becomes a missed call.
KINDRED_CALL_RING_TIMEOUT_SECONDS = env.int("KINDRED_CALL_RING_TIMEOUT_SECONDS", default=45)
KINDRED_CALL_INVITE_RATE = env("KINDRED_CALL_INVITE_RATE", default="10/600")
# ICE servers handed to both people with each call (the server relays signalling only).
# TURN credentials are minted per call from the shared secret (coturn's use-auth-secret).
KINDRED_CALL_STUN_URLS = env.list("KINDRED_CALL_STUN_URLS", default=[])
KINDRED_CALL_TURN_URLS = env.list("KINDRED_CALL_TURN_URLS", default=[])
KINDRED_CALL_TURN_SECRET = env("KINDRED_CALL_TURN_SECRET", default="")
KINDRED_CALL_TURN_TTL_SECONDS = env.int("KINDRED_CALL_TURN_TTL_SECONDS", default=3600)

# --- Moderation ----------------------------------------------------------------------------

# Evidence snapshots (the reported profile, messages) of a closed report are deleted this
# many days after it was closed by the daily moderation.purge_expired_evidence job; open
# reports keep theirs. Kept through unmatches and account deletions until then.
KINDRED_EVIDENCE_RETENTION_DAYS = env.int("KINDRED_EVIDENCE_RETENTION_DAYS", default=365)
# Audit entries (append-only) are deleted after this many days by the same job.
KINDRED_AUDIT_RETENTION_DAYS = env.int("KINDRED_AUDIT_RETENTION_DAYS", default=730)
# The latest messages of the pair's conversation frozen with each report.
KINDRED_EVIDENCE_RECENT_MESSAGES = env.int("KINDRED_EVIDENCE_RECENT_MESSAGES", default=20)
# Most message ids one report may point at.
KINDRED_REPORT_MAX_MESSAGE_IDS = env.int("KINDRED_REPORT_MAX_MESSAGE_IDS", default=20)
# Queue priority: reporters whose account was older than this at report time count as
# "established"; reports and abuse flags within the window raise the reported user's
# priority (automatic signals raise priority, never punish).
KINDRED_MODERATION_ESTABLISHED_ACCOUNT_DAYS = env.int(
    "KINDRED_MODERATION_ESTABLISHED_ACCOUNT_DAYS", default=7
)
KINDRED_MODERATION_SIGNAL_WINDOW_DAYS = env.int("KINDRED_MODERATION_SIGNAL_WINDOW_DAYS", default=90)
# A sanction may be appealed (once) within this many days; suspensions last at most this long.
KINDRED_APPEAL_WINDOW_DAYS = env.int("KINDRED_APPEAL_WINDOW_DAYS", default=30)
KINDRED_MAX_SUSPENSION_DAYS = env.int("KINDRED_MAX_SUSPENSION_DAYS", default=365)
# Banned and suspended people cannot sign in; a restricted session (POST
# /moderation/appeal-session with their password) lets them read their sanctions and appeal,
# nothing else, for this many seconds.
KINDRED_RESTRICTED_SESSION_SECONDS = env.int("KINDRED_RESTRICTED_SESSION_SECONDS", default=900)
# Staff sign in to the admin (the moderators' console) with a TOTP code as well
# (django-otp); production.py forces it on.
KINDRED_ADMIN_REQUIRE_OTP = env.bool("KINDRED_ADMIN_REQUIRE_OTP", default=False)
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(
    {
        "ReportReasonEnum": "moderation.models.ReportReason",
        "ReportStatusEnum": "moderation.models.ReportStatus",
        "SanctionKindEnum": "moderation.models.SanctionKind",
        "SanctionStatusEnum": "moderation.models.SanctionStatus",
        "AppealStatusEnum": "moderation.models.AppealStatus",
    }
)
KINDRED_THROTTLES.update(
    {
        "report_user": env("THROTTLE_REPORT_USER", default="20/86400"),
        "appeal_user": env("THROTTLE_APPEAL_USER", default="10/3600"),
    }
)

# --- Notifications -------------------------------------------------------------------------

# Push provider: "logging" (default; logs pushes, sends nothing), "fcm" (Firebase Cloud
# Messaging via firebase-admin), or the dotted path of a class with the same interface.
KINDRED_PUSH_PROVIDER = env("KINDRED_PUSH_PROVIDER", default="logging")
# FCM service-account JSON file; empty: Google's application default credentials
# (GOOGLE_APPLICATION_CREDENTIALS). The project id defaults to the credentials' own.
KINDRED_FCM_CREDENTIALS_FILE = env("KINDRED_FCM_CREDENTIALS_FILE", default="")
KINDRED_FCM_PROJECT_ID = env("KINDRED_FCM_PROJECT_ID", default="")
# Timeout of every call to FCM, seconds.
KINDRED_FCM_TIMEOUT_SECONDS = env.float("KINDRED_FCM_TIMEOUT_SECONDS", default=10.0)
# No second push for a collapse key (e.g. one conversation) while an unread notification
# with that key was pushed within this many minutes.
KINDRED_PUSH_COLLAPSE_MINUTES = env.int("KINDRED_PUSH_COLLAPSE_MINUTES", default=10)
# Push devices kept per user; registering one more drops the least recently registered.
KINDRED_PUSH_DEVICES_PER_USER = env.int("KINDRED_PUSH_DEVICES_PER_USER", default=10)
# Notifications older than this are deleted by the daily notifications.purge_old job.
KINDRED_NOTIFICATION_RETENTION_DAYS = env.int("KINDRED_NOTIFICATION_RETENTION_DAYS", default=90)
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(
    {
        "NotificationKindEnum": "notifications.models.NotificationKind",
        "DevicePlatformEnum": "notifications.models.DevicePlatform",
        "PushTokenKindEnum": "notifications.models.PushTokenKind",
    }
)

# --- Matching ------------------------------------------------------------------------------

# Likes a person may send per day; the day is theirs (User.time_zone), reset at local midnight.
KINDRED_LIKES_PER_DAY = env.int("KINDRED_LIKES_PER_DAY", default=10)
# The first this-many likes a person ever sends must carry a comment (0: never required).
KINDRED_LIKES_NEEDING_COMMENT = env.int("KINDRED_LIKES_NEEDING_COMMENT", default=5)
# Abuse signals, each raising a flag for moderators (admin: Matching › Abuse flags) and
# slowing the person down (429 `like_rate_limited`) for KINDRED_LIKE_ABUSE_COOLDOWN_SECONDS:
# this many likes within this many seconds ("<count>/<seconds>", a count of at most 100), or
# the same comment text (case and surrounding spaces ignored) sent this many times.
KINDRED_LIKE_BURST = env("KINDRED_LIKE_BURST", default="5/60")
KINDRED_LIKE_REPEATED_COMMENT_COUNT = env.int("KINDRED_LIKE_REPEATED_COMMENT_COUNT", default=3)
KINDRED_LIKE_ABUSE_COOLDOWN_SECONDS = env.int("KINDRED_LIKE_ABUSE_COOLDOWN_SECONDS", default=600)
# An active match without activity (messages) for this many days is archived by a beat job,
# this many rows per statement.
KINDRED_MATCH_ARCHIVE_AFTER_DAYS = env.int("KINDRED_MATCH_ARCHIVE_AFTER_DAYS", default=7)
KINDRED_MATCH_ARCHIVE_BATCH_SIZE = env.int("KINDRED_MATCH_ARCHIVE_BATCH_SIZE", default=1000)
# The cached count of GET /matching/likes/received lives at most this long in Redis (it is
# also dropped on every change that affects it, and expires when a pass hiding a like ends).
KINDRED_LIKES_RECEIVED_COUNT_TTL_SECONDS = env.int(
    "KINDRED_LIKES_RECEIVED_COUNT_TTL_SECONDS", default=3600
)
