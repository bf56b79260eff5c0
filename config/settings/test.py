"""Settings for pytest: real PostgreSQL (DATABASE_URL, else embedded) and real Redis.

REDIS_URL defaults to a local Redis on its own database number; each pytest-xdist worker
gets its own key prefix so that workers never see each other's counters.
"""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("KINDRED_MEDIA_ROOT", str(Path(tempfile.gettempdir()) / "kindred-test-media"))

from .base import *  # noqa: F403
from .base import DATABASE_OPTIONS, DATABASE_URL, EMBEDDED_POSTGRES_DIR

SECRET_KEY = "test-only-secret-key-with-enough-length-to-sign-jwt-tokens"
DEBUG = False
LOG_FORMAT = "text"
LOGGING["handlers"]["console"]["formatter"] = "text"  # noqa: F405
LOGGING["root"]["level"] = "WARNING"  # noqa: F405

_worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
REDIS_KEY_PREFIX = f"{os.environ.get('KINDRED_REDIS_PREFIX', 'kindred-test')}-{_worker}"
CACHES["default"]["KEY_PREFIX"] = REDIS_KEY_PREFIX  # noqa: F405
CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = f"{REDIS_KEY_PREFIX}:asgi"  # noqa: F405

if not DATABASE_URL:
    from core.embedded import embedded_database_config

    DATABASES = {
        "default": embedded_database_config(EMBEDDED_POSTGRES_DIR, options=DATABASE_OPTIONS)
    }

# Tests call tasks directly; nothing runs eagerly behind their back (DESIGN.md §9).
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BROKER_URL = "memory://"

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
