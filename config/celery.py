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
    # Accounts past their deletion grace period are erased (each by its own task).
    "accounts.erase_due_accounts": {
        "task": "accounts.erase_due_accounts",
        "schedule": crontab(minute=11),
    },
    # Data-export archives past KINDRED_EXPORT_RETENTION_DAYS leave storage.
    "accounts.expire_data_exports": {
        "task": "accounts.expire_data_exports",
        "schedule": crontab(minute=37),
    },
    "accounts.forget_stale_login_devices": {
        "task": "accounts.forget_stale_login_devices",
        "schedule": crontab(hour=4, minute=5),
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
    # Archive active matches without activity for KINDRED_MATCH_ARCHIVE_AFTER_DAYS.
    "matching.archive_inactive_matches": {
        "task": "matching.archive_inactive_matches",
        "schedule": crontab(minute=23),
    },
    # Suspensions end on time: sign-in and discovery come back within five minutes.
    "moderation.lift_ended_suspensions": {
        "task": "moderation.lift_ended_suspensions",
        "schedule": crontab(minute="*/5"),
    },
    # Evidence past its retention after the report closed; audit entries past theirs.
    "moderation.purge_expired_records": {
        "task": "moderation.purge_expired_records",
        "schedule": crontab(hour=3, minute=47),
    },
    # Outboxes whose drain was not queued (core.outbox): at most a minute late.
    "core.sweep_outboxes": {
        "task": "core.sweep_outboxes",
        "schedule": 60.0,
    },
    "notifications.purge_old": {
        "task": "notifications.purge_old",
        "schedule": crontab(hour=4, minute=23),
    },
    # Fail AI jobs lost on the way (no one should poll forever); drop expired results.
    "ai_helpers.sweep_jobs": {
        "task": "ai_helpers.sweep_jobs",
        "schedule": crontab(minute="*/5"),
    },
}

# Provider calls can take seconds: every AI task runs on its own queue.
app.conf.task_routes = {"ai_helpers.*": {"queue": "ai"}}
