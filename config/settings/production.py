"""Production: every service comes from the environment, and insecure defaults are refused.

Start-up fails with ImproperlyConfigured, naming the variable, rather than running with a
weak secret, an embedded database or an open host list.
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import (
    AWS_STORAGE_BUCKET_NAME,
    DATABASE_POOL,
    DATABASE_URL,
    DEBUG,
    REDIS_URL,
    SECRET_KEY,
    env,
)

_INSECURE_MARKERS = ("insecure", "change-me", "changeme", "not-a-secret", "example")


def _require(name: str, value: object) -> None:
    if not value:
        raise ImproperlyConfigured(f"{name} must be set in production.")


_require("DJANGO_SECRET_KEY", SECRET_KEY)
if len(SECRET_KEY) < 50 or any(marker in SECRET_KEY.lower() for marker in _INSECURE_MARKERS):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is too short or a known placeholder; generate one with "
        "`python -c 'import secrets; print(secrets.token_urlsafe(64))'`."
    )
if DEBUG:
    raise ImproperlyConfigured("DJANGO_DEBUG must be off in production.")
_require("DATABASE_URL", DATABASE_URL)
_require("REDIS_URL", REDIS_URL)
_require("AWS_STORAGE_BUCKET_NAME", AWS_STORAGE_BUCKET_NAME)
# Links in e-mails (verification, password reset) point here; a localhost default would
# send people to nowhere.
_require("KINDRED_APP_BASE_URL", env("KINDRED_APP_BASE_URL", default=""))
if not env("KINDRED_APP_BASE_URL").startswith("https://"):
    raise ImproperlyConfigured("KINDRED_APP_BASE_URL must be an https:// address in production.")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
if not ALLOWED_HOSTS or "*" in ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must list the served host names.")

# Staff need a TOTP code (django-otp) besides their password to use the admin.
KINDRED_ADMIN_REQUIRE_OTP = True

# The ASGI server serves the admin's and Swagger UI's static files itself (collected at build).
MIDDLEWARE.insert(  # noqa: F405
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,  # noqa: F405
    "whitenoise.middleware.WhiteNoiseMiddleware",
)
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
}

# Pooled connections (DATABASE_POOL) and persistent ones exclude each other.
DATABASES["default"]["CONN_MAX_AGE"] = (  # noqa: F405
    0 if DATABASE_POOL else env.int("DATABASE_CONN_MAX_AGE", default=60)
)
# A round trip before the first query of each request, or of each socket frame's database
# work (.env.example: the realtime service turns it off).
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool(  # noqa: F405
    "DATABASE_CONN_HEALTH_CHECKS", default=True
)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# The health endpoints are probed over plain HTTP inside the cluster.
SECURE_REDIRECT_EXEMPT = [r"^api/v1/health"]
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=587)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Kindred <no-reply@localhost>")

# HSTS preload is opt-in (DJANGO_SECURE_HSTS_PRELOAD): submitting a domain to the browsers'
# preload list is hard to undo, so the deploy check's reminder is silenced while it is off.
if not SECURE_HSTS_PRELOAD:
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
