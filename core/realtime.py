"""Server → client events over the realtime socket (DESIGN.md §7), usable from any app.

Every connected socket of a user joins the channel-layer group `user_group_name(user_id)`.
Apps send events with `send_to_users_on_commit(...)` from services (after commit, never
inside an open transaction). The consumer (chat issue) handles two group message types:

- `{"type": "realtime.event", "event": {...}}` — forward `event` (a JSON object with its
  own `"type"`, e.g. `"matching.match_created"`) to the client as a frame;
- `{"type": "realtime.close", "code": 4403}` — close the socket with that code (bans,
  suspensions, account deletion).

A channel layer that is briefly unavailable never fails the caller: the event is logged
and dropped, and clients catch up over REST (`after_seq`, notifications).

Sync code (views, services, tasks, a socket's database work on its thread) sends on the
Redis pub/sub layer (config.settings: CHANNEL_LAYERS) by publishing directly, with a plain
Redis client: all the events of one call in one round trip, with no event loop involved.
Going through the layer's async API from sync code meant a hop to an event loop and back
for every event (a third of a chat message's way after its commit; under gunicorn, a loop
thread of its own per process). Other layers (the in-memory one of embedded mode) are
reached through `async_to_sync`, which runs on the server's own loop when called from a
thread that loop handed work to.
"""

import logging
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any
from uuid import UUID

import redis
from asgiref.sync import async_to_sync
from channels.layers import BaseChannelLayer, get_channel_layer
from channels_redis.pubsub import RedisPubSubChannelLayer
from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
Message = dict[str, Any]
# A publish waits this long at most for Redis: the caller never hangs on a stuck layer.
PUBLISH_TIMEOUT_SECONDS = 2.0


def user_group_name(user_id: UUID | str) -> str:
    return f"user.{user_id}"


# --- Publishing to the pub/sub layer ---------------------------------------------------------


def pubsub_group_channel(prefix: str, group: str) -> str:
    """The Redis channel that channels-redis' pub/sub layer subscribes a group to (a
    specific channel, from `new_channel`, is published under its own name). Pinned with the
    library's version; core/tests/test_realtime.py checks it against the layer itself."""
    return f"{prefix}__group__{group}"


@lru_cache(maxsize=4)
def _publisher(address: str) -> redis.Redis:
    return redis.Redis.from_url(
        address,
        socket_connect_timeout=PUBLISH_TIMEOUT_SECONDS,
        socket_timeout=PUBLISH_TIMEOUT_SECONDS,
        socket_keepalive=True,
        health_check_interval=30,
    )


def _single_pubsub_host(layer: BaseChannelLayer) -> tuple[str, str] | None:
    """(Redis URL, channel prefix) when `layer` is the pub/sub layer on one Redis, the
    configuration published to directly; None otherwise."""
    if not isinstance(layer, RedisPubSubChannelLayer):
        return None
    config = settings.CHANNEL_LAYERS["default"].get("CONFIG", {})
    hosts = config.get("hosts") or ["redis://localhost:6379"]
    if len(hosts) != 1:  # sharded: the layer picks a host per channel itself
        return None
    host = hosts[0]
    address = host["address"] if isinstance(host, dict) else host
    if not isinstance(address, str):  # a (host, port) pair
        address = f"redis://{address[0]}:{address[1]}"
    return address, config.get("prefix", "asgi")


def _deliver(*, groups: Sequence[str] = (), channels: Sequence[str] = (), message: Message) -> None:
    """Send `message` to every socket in `groups` and to the `channels` themselves; raises
    when the layer cannot be reached."""
    layer = get_channel_layer()
    if layer is None:
        return
    pubsub = _single_pubsub_host(layer)
    if pubsub is not None:
        address, prefix = pubsub
        payload = layer.serialize(message)
        pipeline = _publisher(address).pipeline(transaction=False)
        for group in groups:
            pipeline.publish(pubsub_group_channel(prefix, group), payload)
        for channel in channels:
            pipeline.publish(channel, payload)
        pipeline.execute()
        return

    async def send_each() -> None:
        for group in groups:
            await layer.group_send(group, message)
        for channel in channels:
            await layer.send(channel, message)

    async_to_sync(send_each)()


def _send_best_effort(
    *, groups: Sequence[str] = (), channels: Sequence[str] = (), message: Message
) -> None:
    try:
        _deliver(groups=groups, channels=channels, message=message)
    except Exception:  # the layer could not be reached: best effort, logged
        logger.warning("realtime message to %s dropped", [*groups, *channels], exc_info=True)


# --- What apps call -------------------------------------------------------------------------


def send_to_users(user_ids: Iterable[UUID | str], event: dict[str, Any]) -> None:
    """Send `event` to every open socket of each user now (call only outside transactions),
    in the order given: put the person waiting for it first."""
    groups = [user_group_name(user_id) for user_id in user_ids]
    _send_best_effort(groups=groups, message={"type": "realtime.event", "event": event})


def publish_in_pipeline(
    pipeline: redis.client.Pipeline, user_ids: Iterable[UUID | str], event: dict[str, Any]
) -> bool:
    """Add `send_to_users(user_ids, event)` to a pipeline of `core.redis.get_redis()`'s
    client, for a caller that has other Redis writes to make after its commit: all of them
    then take one round trip. False (nothing added) when the layer is not the pub/sub layer
    on that same Redis: call `send_to_users` then."""
    layer = get_channel_layer()
    if layer is None:
        return False
    pubsub = _single_pubsub_host(layer)
    if pubsub is None or pubsub[0] != settings.REDIS_URL:
        return False
    prefix = pubsub[1]
    payload = layer.serialize({"type": "realtime.event", "event": event})
    for user_id in user_ids:
        pipeline.publish(pubsub_group_channel(prefix, user_group_name(user_id)), payload)
    return True


def send_to_channel(channel_name: str, event: dict[str, Any]) -> None:
    """Send `event` to one socket (its channel name), e.g. a call signal to the device that
    answered."""
    _send_best_effort(channels=[channel_name], message={"type": "realtime.event", "event": event})


def send_to_users_on_commit(user_ids: Iterable[UUID | str], event: dict[str, Any]) -> None:
    """Send `event` once the current transaction commits (at once outside a transaction)."""
    recipients = list(user_ids)
    transaction.on_commit(lambda: send_to_users(recipients, event))


def close_user_sockets_on_commit(user_id: UUID | str, *, code: int = CLOSE_FORBIDDEN) -> None:
    """Close every open socket of the user once the current transaction commits."""
    message = {"type": "realtime.close", "code": code}
    transaction.on_commit(
        lambda: _send_best_effort(groups=[user_group_name(user_id)], message=message)
    )
