"""The Celery app. Queues: `default`, `decks`, `media`, `ai` (DESIGN.md §10); the beat
schedule lives here, in code."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("kindred")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    "accounts.flush_expired_tokens": {
        "task": "accounts.flush_expired_tokens",
        "schedule": crontab(hour=3, minute=17),
    },
    "discovery.expire_passes": {
        "task": "discovery.expire_passes",
        "schedule": crontab(minute=41),
    },
    # Keep the decks of people seen in the last day warm (missing or low ones only).
    "discovery.rebuild_active_decks": {
        "task": "discovery.rebuild_active_decks",
        "schedule": crontab(minute="*/30"),
    },
}
