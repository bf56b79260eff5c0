"""What matching tells clients, always after commit (DESIGN.md §6–7).

Socket events go to every open socket of the people concerned through `core.realtime`:

- `matching.like_received` to the liked person: `{"like": {"id", "user_id", "comment",
  "photo_id", "prompt_id", "created_at"}}` (`user_id` is the liker). Not sent while the
  liked person's pass on the liker is active (the like is hidden from them then).
- `matching.match_created` to each of the two: `{"match": {"id", "conversation_id",
  "user_id", "state", "created_at"}}` (`user_id` is the other person).
- `matching.match_updated` to both when a participant moves the state (dating, archived,
  active): `{"match": {"id", "conversation_id", "state"}}`.
- `matching.match_ended` to both when it is unmatched, ended by a block or by an account
  deletion: `{"match": {"id", "conversation_id", "state"}}`.

In-app notifications (`like_received`, `match_created`) are written by the tasks of
`matching.tasks`, queued after commit; they re-read the state before notifying. A like's
goes through the outbox `matching.tasks.LIKE_NOTIFICATIONS` (core.outbox): its id is
pushed in the same Redis round trip as the likes-received count's invalidation, and one
drain task notifies a batch, instead of a Celery message per like.
"""

import logging
from collections.abc import Sequence
from functools import partial
from typing import Any
from uuid import UUID

import redis
from django.db import transaction

from core.realtime import publish_in_pipeline, send_to_users, send_to_users_on_commit
from core.redis import get_redis
from matching.models import Like, Match
from matching.received_count import queue_likes_received_changed

logger = logging.getLogger(__name__)

LIKE_RECEIVED = "matching.like_received"
MATCH_CREATED = "matching.match_created"
MATCH_UPDATED = "matching.match_updated"
MATCH_ENDED = "matching.match_ended"


def like_payload(like: Like) -> dict[str, Any]:
    return {
        "id": str(like.pk),
        "user_id": str(like.actor_id),
        "comment": like.comment,
        "photo_id": str(like.photo_id) if like.photo_id else None,
        "prompt_id": str(like.prompt_id) if like.prompt_id else None,
        "created_at": like.created_at.isoformat(),
    }


def like_recorded_on_commit(
    like: Like, *, announce: bool, counts_changed: Sequence[UUID | str]
) -> None:
    """After commit: the likes-received counts of `counts_changed` dropped (received_count)
    and, when `announce`, `matching.like_received` to the liked person's sockets and the
    like's notification into the outbox: one Redis round trip for all of it."""
    from matching.tasks import LIKE_NOTIFICATIONS

    event = {"type": LIKE_RECEIVED, "like": like_payload(like)} if announce else None
    like_id = str(like.pk)

    def write() -> None:
        pushed = None
        published = False
        try:
            with get_redis().pipeline(transaction=True) as pipeline:
                # the count first: a client that refetches on the event sees the new one
                queue_likes_received_changed(pipeline, counts_changed)
                if event is not None:
                    published = publish_in_pipeline(pipeline, [like.target_id], event)
                    pushed = LIKE_NOTIFICATIONS.push(pipeline, like_id)
                results = pipeline.execute()
        except redis.RedisError:
            logger.warning(
                "like %s: counts of %s left to expire, not announced",
                like_id,
                list(counts_changed),
                exc_info=True,
            )
            return
        if event is not None and not published:  # a layer of its own (embedded mode)
            send_to_users([like.target_id], event)
        if pushed is not None:
            LIKE_NOTIFICATIONS.trigger(results[pushed])

    transaction.on_commit(write)


def match_created_on_commit(match: Match) -> None:
    from matching.tasks import notify_match_created_task

    for user_id in (match.user_low_id, match.user_high_id):
        payload = {
            "id": str(match.pk),
            "conversation_id": str(match.pk),
            "user_id": str(match.other_user_id(user_id)),
            "state": match.state,
            "created_at": match.created_at.isoformat(),
        }
        send_to_users_on_commit([user_id], {"type": MATCH_CREATED, "match": payload})
    transaction.on_commit(partial(notify_match_created_task.delay, str(match.pk)))


def _state_payload(match: Match) -> dict[str, Any]:
    return {"id": str(match.pk), "conversation_id": str(match.pk), "state": match.state}


def match_updated_on_commit(match: Match) -> None:
    send_to_users_on_commit(
        [match.user_low_id, match.user_high_id],
        {"type": MATCH_UPDATED, "match": _state_payload(match)},
    )


def match_ended_on_commit(match: Match) -> None:
    send_to_users_on_commit(
        [match.user_low_id, match.user_high_id],
        {"type": MATCH_ENDED, "match": _state_payload(match)},
    )
