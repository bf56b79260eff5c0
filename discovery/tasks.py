"""Deck tasks, on the `decks` queue (DESIGN.md §10): building decks is the heaviest regular
work, so it never holds up the default queue.

Both take ids only, re-read state, and are idempotent: building a deck twice leaves the same
deck (minus what was served in between).
"""

from datetime import timedelta
from typing import Any
from uuid import UUID

import redis
from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from accounts.models import User
from discovery import deck_store
from discovery.deck_services import deck_build

__all__ = ["deck_build_task", "rebuild_active_decks_task"]

# Seen this recently: their decks are kept warm by the beat job.
ACTIVE_WITHIN = timedelta(days=1)
# Users checked per Redis round trip by the beat job.
ACTIVE_BATCH_SIZE = 500

_RETRY: dict[str, Any] = {
    "autoretry_for": (redis.ConnectionError, redis.TimeoutError, OperationalError, InterfaceError),
    "retry_backoff": 5,
    "retry_backoff_max": 120,
    "retry_jitter": True,
    "max_retries": 3,
}


@shared_task(name="discovery.build_deck", queue="decks", **_RETRY)
def deck_build_task(user_id: str) -> int:
    """Rebuild one person's deck; returns its size."""
    return deck_build(user_id=UUID(str(user_id))).size


@shared_task(name="discovery.rebuild_active_decks", queue="decks", **_RETRY)
def rebuild_active_decks_task() -> int:
    """Queue a build for everyone seen in the last day whose deck is missing or below the
    low watermark; returns how many were queued."""
    since = timezone.now() - ACTIVE_WITHIN
    user_ids = (
        User.objects.filter(
            is_active=True,
            last_seen_at__gte=since,
            profile__is_complete=True,
            profile__cell__isnull=False,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    queued = 0
    batch: list[UUID] = []
    for user_id in user_ids.iterator(chunk_size=ACTIVE_BATCH_SIZE):
        batch.append(user_id)
        if len(batch) == ACTIVE_BATCH_SIZE:
            queued += _queue_low(batch)
            batch = []
    if batch:
        queued += _queue_low(batch)
    return queued


def _queue_low(user_ids: list[UUID]) -> int:
    queued = 0
    for user_id, remaining in deck_store.deck_remaining(user_ids=user_ids).items():
        is_low = remaining is None or remaining < settings.KINDRED_DECK_LOW_WATERMARK
        if is_low and deck_store.deck_claim_rebuild(user_id=user_id, seconds=60):
            deck_build_task.delay(str(user_id))
            queued += 1
    return queued


from discovery.pass_tasks import *  # noqa: E402,F403
