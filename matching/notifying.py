"""The in-app notifications of likes and matches, written by matching's tasks (after the
like or match committed). Each re-reads the state and notifies at most once per like or
match and person: a Redis claim stops two concurrent runs of a redelivered task, and a
look at the notifications already written stops a run after the claim has expired."""

import logging
from uuid import UUID

import redis

from core.redis import get_redis, redis_key
from discovery.exclusions import pass_cooldown_start
from discovery.models import Pass
from matching.models import OPEN_MATCH_STATES, Like, Match
from moderation.selectors import is_blocked_between
from notifications.models import Notification, NotificationKind
from notifications.services import notify
from profiles.models import Profile

logger = logging.getLogger(__name__)

CLAIM_TTL_SECONDS = 7 * 24 * 3600


def _claim(kind: str, field: str, subject_id: UUID, user_id: UUID) -> bool:
    """True for the first run that notifies `user_id` about this like or match (`field`:
    the key of the notification's data that holds its id)."""
    already = Notification.objects.filter(
        user_id=user_id, kind=kind, **{f"data__{field}": str(subject_id)}
    ).exists()
    if already:
        return False
    try:
        key = redis_key("matching", "notified", kind, subject_id, user_id)
        return bool(get_redis().set(key, "1", nx=True, ex=CLAIM_TTL_SECONDS))
    except redis.RedisError:
        logger.warning("notification claim unavailable; notifying anyway", exc_info=True)
        return True


def _display_name(user_id: UUID) -> str:
    name = Profile.objects.filter(pk=user_id).values_list("display_name", flat=True).first()
    return name or "Someone"


def like_received_notify(*, like_id: UUID) -> bool:
    """Tell the liked person someone likes them, while that is still news: the like exists,
    no match was made of it, no block stands between them, their pass on the liker is not
    active, and the liker is still discoverable. Returns whether a notification was written.
    """
    like = Like.objects.select_related("actor__profile").filter(pk=like_id).first()
    if like is None or not like.actor.profile.is_discoverable:
        return False
    low, high = sorted((like.actor_id, like.target_id))
    if Match.objects.filter(user_low_id=low, user_high_id=high).exists():
        return False
    if is_blocked_between(like.actor_id, like.target_id):
        return False
    hidden = Pass.objects.filter(
        actor_id=like.target_id, target_id=like.actor_id, created_at__gt=pass_cooldown_start()
    ).exists()
    if hidden or not _claim(NotificationKind.LIKE_RECEIVED, "like_id", like.pk, like.target_id):
        return False
    name = like.actor.profile.display_name or "Someone"
    notify(
        user_id=like.target_id,
        kind=NotificationKind.LIKE_RECEIVED,
        title=f"{name} likes you",
        body=like.comment or "Have a look at their profile.",
        data={
            "like_id": str(like.pk),
            "user_id": str(like.actor_id),
        },
        collapse_key="likes_received",
    )
    return True


def match_created_notify(*, match_id: UUID) -> int:
    """Tell both people about their new match while it is open and no block stands between
    them. Returns how many notifications were written (0, 1 or 2)."""
    match = Match.objects.filter(pk=match_id, state__in=OPEN_MATCH_STATES).first()
    if match is None or is_blocked_between(match.user_low_id, match.user_high_id):
        return 0
    written = 0
    for user_id in (match.user_low_id, match.user_high_id):
        other_id = match.other_user_id(user_id)
        if not _claim(NotificationKind.MATCH_CREATED, "match_id", match.pk, user_id):
            continue
        notify(
            user_id=user_id,
            kind=NotificationKind.MATCH_CREATED,
            title="It's a match!",
            body=f"You and {_display_name(other_id)} like each other. Say hello!",
            data={
                "match_id": str(match.pk),
                "conversation_id": str(match.pk),
                "user_id": str(other_id),
            },
            collapse_key=f"match:{match.pk}",
        )
        written += 1
    return written


__all__ = ["like_received_notify", "match_created_notify"]
