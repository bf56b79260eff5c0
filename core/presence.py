"""Who is online: one entry per open socket in Redis, kept alive by heartbeats.

Each user has a sorted set `presence:<user_id>` whose members are connection ids and whose
scores are the time (epoch seconds) until which that connection counts as alive. A socket
adds itself on connect, refreshes its entry with `presence_heartbeat` well within
`KINDRED_PRESENCE_TTL_SECONDS`, and removes itself on disconnect. A server that crashes
never removes its entries, but they stop counting once their time has passed, so nobody
stays "online" for longer than the TTL after their last heartbeat.

When a user's last connection goes, `last_seen:<user_id>` records the time (kept for
`KINDRED_PRESENCE_LAST_SEEN_DAYS`). Used by chat (presence events) and notifications
(`is_online` chooses socket or push). Every call is a single round trip to Redis.
"""

import time
from collections.abc import Iterable
from datetime import UTC, datetime
from uuid import UUID

from django.conf import settings

from core.redis import get_redis, redis_key


def _ttl_seconds() -> int:
    return int(getattr(settings, "KINDRED_PRESENCE_TTL_SECONDS", 60))


def _last_seen_seconds() -> int:
    return int(getattr(settings, "KINDRED_PRESENCE_LAST_SEEN_DAYS", 30)) * 86400


def _connections_key(user_id: UUID | str) -> str:
    return redis_key("presence", user_id)


def _last_seen_key(user_id: UUID | str) -> str:
    return redis_key("last_seen", user_id)


def presence_connect(user_id: UUID | str, connection_id: str) -> bool:
    """Count `connection_id` as an open socket of the user. Returns whether the user was
    offline before (their first live connection), so callers announce only that change."""
    now = time.time()
    ttl = _ttl_seconds()
    key = _connections_key(user_id)
    pipeline = get_redis().pipeline(transaction=True)
    pipeline.zremrangebyscore(key, "-inf", now)
    pipeline.zcard(key)
    pipeline.zadd(key, {connection_id: now + ttl})
    pipeline.expire(key, ttl)
    _, live_before, _, _ = pipeline.execute()
    return int(live_before) == 0


def presence_heartbeat(user_id: UUID | str, connection_id: str) -> None:
    """Keep `connection_id` alive for another TTL (call every TTL/3 or so)."""
    ttl = _ttl_seconds()
    key = _connections_key(user_id)
    pipeline = get_redis().pipeline(transaction=True)
    pipeline.zadd(key, {connection_id: time.time() + ttl})
    pipeline.expire(key, ttl)
    pipeline.execute()


def presence_heartbeat_many(entries: Iterable[tuple[UUID | str, str]]) -> None:
    """`presence_heartbeat` for many (user id, connection id) pairs in one round trip: a
    server refreshes all its sockets at once instead of one call per socket."""
    ttl = _ttl_seconds()
    until = time.time() + ttl
    pipeline = get_redis().pipeline(transaction=False)
    for user_id, connection_id in entries:
        key = _connections_key(user_id)
        pipeline.zadd(key, {connection_id: until})
        pipeline.expire(key, ttl)
    pipeline.execute()


def presence_disconnect(user_id: UUID | str, connection_id: str) -> bool:
    """Forget `connection_id`. Returns whether the user has no live connection left (and
    so went offline); their last-seen time is then recorded."""
    now = time.time()
    key = _connections_key(user_id)
    pipeline = get_redis().pipeline(transaction=True)
    pipeline.zrem(key, connection_id)
    pipeline.zremrangebyscore(key, "-inf", now)
    pipeline.zcard(key)
    _, _, live_after = pipeline.execute()
    if int(live_after) > 0:
        return False
    get_redis().set(_last_seen_key(user_id), int(now), ex=_last_seen_seconds())
    return True


def is_online(user_id: UUID | str) -> bool:
    """Whether the user has at least one socket that sent a heartbeat within the TTL."""
    return int(get_redis().zcount(_connections_key(user_id), f"({time.time()}", "+inf")) > 0


def online_user_ids(user_ids: Iterable[UUID]) -> set[UUID]:
    """The subset of `user_ids` online now (one pipelined round trip)."""
    ids = list(user_ids)
    if not ids:
        return set()
    now = f"({time.time()}"
    pipeline = get_redis().pipeline(transaction=False)
    for user_id in ids:
        pipeline.zcount(_connections_key(user_id), now, "+inf")
    counts = pipeline.execute()
    return {user_id for user_id, count in zip(ids, counts, strict=True) if int(count) > 0}


def last_seen_at(user_ids: Iterable[UUID]) -> dict[UUID, datetime | None]:
    """When each user's last socket closed (None if unknown or expired)."""
    ids = list(user_ids)
    if not ids:
        return {}
    values = get_redis().mget([_last_seen_key(user_id) for user_id in ids])
    return {
        user_id: datetime.fromtimestamp(int(value), tz=UTC) if value else None
        for user_id, value in zip(ids, values, strict=True)
    }
