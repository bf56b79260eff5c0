"""The count of GET /matching/likes/received, cached in Redis and kept exact.

Exactness without counting deltas: every change that can move someone's count (a like to
them, a match, a block or unblock either way, a pass or rewind of theirs, the liker pausing
or leaving, a like deleted) calls `likes_received_changed_on_commit(user_ids)`, which after
commit bumps a per-person generation key and drops the cached count. A reader that misses
the cache computes the count from the database after WATCHing the generation key and stores
it only if no bump happened meanwhile, so a count computed from a snapshot older than a
committed change is never cached. The one change without a write, a pass of mine reaching
the end of its cooldown (the hidden like shows again), is covered by the cache's TTL: it
never outlives the earliest such pass.

Redis unavailable: the count is computed from the database (correct, only slower); a bump
that could not be written leaves a stale count for at most its TTL (logged).
"""

import contextlib
import logging
import math
from collections.abc import Iterable
from uuid import UUID

import redis
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.redis import get_redis, redis_key
from matching.selectors import like_count_received_uncached

logger = logging.getLogger(__name__)

# The generation key outlives any cached count by far; it only has to survive as long as a
# reader may be between its WATCH and its write.
GENERATION_TTL_SECONDS = 24 * 3600


def _count_key(user_id: UUID | str) -> str:
    return redis_key("matching", "likes_received", user_id, "count")


def _generation_key(user_id: UUID | str) -> str:
    return redis_key("matching", "likes_received", user_id, "generation")


def like_count_received(*, user_id: UUID) -> int:
    """How many likes GET /likes/received shows `user_id` (one Redis read when cached)."""
    client = get_redis()
    try:
        cached = client.get(_count_key(user_id))
        if cached is not None:
            return int(cached)
        with client.pipeline(transaction=True) as pipeline:
            pipeline.watch(_generation_key(user_id))
            count, changes_at = like_count_received_uncached(user_id=user_id)
            ttl = settings.KINDRED_LIKES_RECEIVED_COUNT_TTL_SECONDS
            if changes_at is not None:
                seconds = (changes_at - timezone.now()).total_seconds()
                ttl = max(1, min(ttl, math.ceil(seconds)))
            pipeline.multi()
            pipeline.set(_count_key(user_id), count, ex=ttl)
            # Changed while counting: this count may be stale, so it is not cached.
            with contextlib.suppress(redis.WatchError):
                pipeline.execute()
        return count
    except redis.RedisError:
        logger.warning("likes-received count cache unavailable", exc_info=True)
        return like_count_received_uncached(user_id=user_id)[0]


def likes_received_changed(user_ids: Iterable[UUID | str]) -> None:
    """Drop the cached counts of these people now (call after the change has committed)."""
    ids = {str(user_id) for user_id in user_ids}
    if not ids:
        return
    try:
        with get_redis().pipeline(transaction=True) as pipeline:
            queue_likes_received_changed(pipeline, ids)
            pipeline.execute()
    except redis.RedisError:
        logger.warning("likes-received counts of %s left to expire", sorted(ids), exc_info=True)


def queue_likes_received_changed(
    pipeline: redis.client.Pipeline, user_ids: Iterable[UUID | str]
) -> None:
    """Add the writes of `likes_received_changed` to a pipeline (a MULTI one, so that the
    bump and the drop land together) that the caller runs after commit."""
    for user_id in sorted({str(user_id) for user_id in user_ids}):
        pipeline.incr(_generation_key(user_id))
        pipeline.expire(_generation_key(user_id), GENERATION_TTL_SECONDS)
        pipeline.delete(_count_key(user_id))


def likes_received_changed_on_commit(user_ids: Iterable[UUID | str]) -> None:
    """Drop the cached counts once the current transaction commits (at once outside one)."""
    ids = [str(user_id) for user_id in user_ids]
    transaction.on_commit(lambda: likes_received_changed(ids))
