"""Matching's Celery tasks: the in-app notifications of likes and matches (queued after
commit by matching.events; likes through an outbox drained in batches) and the beat job
that archives quiet matches.

Each takes ids, re-reads the state, and is idempotent: a notification is written at most
once per like or match and person, and not at all when the state has moved on (the like
was withdrawn or turned into a match, a block came between them, the match ended).
"""

from typing import Any
from uuid import UUID

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from core.outbox import Outbox
from matching.notifying import like_received_notify, match_created_notify
from matching.services import matches_archive_inactive

__all__ = [
    "LIKE_NOTIFICATIONS",
    "archive_inactive_matches_task",
    "notify_like_received_task",
    "notify_likes_received_task",
    "notify_match_created_task",
]

_RETRY: dict[str, Any] = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 5,
    "retry_backoff_max": 120,
    "retry_jitter": True,
    "max_retries": 3,
}


@shared_task(name="matching.notify_like_received", **_RETRY)
def notify_like_received_task(like_id: str) -> bool:
    """Notify the liked person; returns whether a notification was recorded."""
    return like_received_notify(like_id=UUID(str(like_id)))


@shared_task(name="matching.notify_likes_received", **_RETRY)
def notify_likes_received_task() -> int:
    """Notify the liked person of every like in the LIKE_NOTIFICATIONS outbox (queued when
    a like finds it empty, and by the beat's outbox sweep); returns how many were handled."""
    return LIKE_NOTIFICATIONS.drain(lambda like_id: like_received_notify(like_id=UUID(like_id)))


# Ids of likes whose liked person is to be notified (pushed by matching.events).
LIKE_NOTIFICATIONS = Outbox("matching.like_received", drain_task=notify_likes_received_task)


@shared_task(name="matching.notify_match_created", **_RETRY)
def notify_match_created_task(match_id: str) -> int:
    """Notify both people of a new match; returns how many were notified."""
    return match_created_notify(match_id=UUID(str(match_id)))


@shared_task(name="matching.archive_inactive_matches", **_RETRY)
def archive_inactive_matches_task() -> int:
    """Archive active matches quiet for KINDRED_MATCH_ARCHIVE_AFTER_DAYS (beat: hourly)."""
    return matches_archive_inactive(batch_size=settings.KINDRED_MATCH_ARCHIVE_BATCH_SIZE)
