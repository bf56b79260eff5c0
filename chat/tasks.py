"""Chat tasks: thin, take ids, idempotent."""

from typing import Any

import redis
from celery import shared_task
from django.db import InterfaceError, OperationalError

__all__ = ["call_ring_timeout_task"]

_RETRY: dict[str, Any] = {
    "autoretry_for": (redis.ConnectionError, redis.TimeoutError, OperationalError, InterfaceError),
    "retry_backoff": 2,
    "retry_backoff_max": 30,
    "retry_jitter": True,
    "max_retries": 3,
}


@shared_task(name="chat.call_ring_timeout", **_RETRY)
def call_ring_timeout_task(call_id: str) -> bool:
    """Scheduled with the invite's countdown: if the call still rings, it becomes a missed
    call (system message). Does nothing for calls answered, declined or hung up since."""
    from chat.calls import call_ring_timeout

    return call_ring_timeout(call_id=call_id)
