"""Delivery and upkeep of notifications. Tasks take ids, re-read, and are idempotent."""

from datetime import timedelta
from uuid import UUID

import redis
from celery import Task, shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from notifications.delivery import (
    PushTemporarilyFailed,
    notification_deliver,
    notification_give_up,
)
from notifications.services import notifications_purge

__all__ = ["notification_deliver_task", "notifications_purge_task"]

_TRANSIENT = (
    PushTemporarilyFailed,
    redis.ConnectionError,
    redis.TimeoutError,
    OperationalError,
    InterfaceError,
)
MAX_RETRIES = 5


@shared_task(bind=True, name="notifications.deliver", max_retries=MAX_RETRIES)
def notification_deliver_task(self: Task, notification_id: str) -> str:
    """Deliver one notification (socket or push); returns the outcome ("" when there was
    nothing to do). Transient failures retry with exponential backoff; when pushing still
    fails after the last retry the row is marked `push_failed`."""
    try:
        outcome = notification_deliver(notification_id=UUID(str(notification_id)))
    except _TRANSIENT as error:
        if self.request.retries >= MAX_RETRIES:
            if isinstance(error, PushTemporarilyFailed):
                notification_give_up(notification_id=UUID(str(notification_id)))
                return "push_failed"
            raise
        raise self.retry(exc=error, countdown=_backoff(self.request.retries)) from error
    return outcome.value if outcome else ""


def _backoff(retries: int) -> int:
    return int(min(5 * 2**retries, 300))


@shared_task(name="notifications.purge_old")
def notifications_purge_task() -> int:
    """Delete notifications older than KINDRED_NOTIFICATION_RETENTION_DAYS (beat: daily)."""
    return notifications_purge(
        older_than=timedelta(days=settings.KINDRED_NOTIFICATION_RETENTION_DAYS)
    )
