"""The embedded default for a developer's machine: `make run` with nothing but Python.

Any service given by an environment variable is used; the rest fall back to embedded
stand-ins, each logged once at start-up.
"""

from .base import *  # noqa: F403
from .base import (
    DATABASE_OPTIONS,
    DATABASE_URL,
    EMBEDDED_FALLBACKS,
    EMBEDDED_POSTGRES_DIR,
    env,
)

DEBUG = env.bool("DJANGO_DEBUG", default=True)
# A fixed key is fine for a machine-local run only; production refuses to start without one.
SECRET_KEY = env("DJANGO_SECRET_KEY", default="local-development-only-not-a-secret-" + "x" * 20)
LOG_FORMAT = env("LOG_FORMAT", default="text")
LOGGING["handlers"]["console"]["formatter"] = LOG_FORMAT  # noqa: F405
CORS_ALLOWED_ORIGINS = env.list(
    "CORS_ALLOWED_ORIGINS", default=["http://localhost:3000", "http://localhost:5173"]
)

if not DATABASE_URL:
    from core.embedded import embedded_database_config

    DATABASES = {
        "default": embedded_database_config(EMBEDDED_POSTGRES_DIR, options=DATABASE_OPTIONS)
    }
    EMBEDDED_FALLBACKS.append(f"database: embedded PostgreSQL in {EMBEDDED_POSTGRES_DIR}")

EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
