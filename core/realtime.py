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

Sync code (views, services, tasks) reaches the layer through `run_on_layer`: one event loop
per process on its own thread, so channels-redis keeps one connection pool per process. With
`async_to_sync` from a thread that has no loop, every event started a new loop and opened a
new Redis connection: under gunicorn that was about half of a like's server time.
"""

import asyncio
import logging
import os
import threading
from collections.abc import Callable, Coroutine, Iterable
from typing import Any
from uuid import UUID

from asgiref.sync import SyncToAsync, async_to_sync
from channels import DEFAULT_CHANNEL_LAYER
from channels.layers import BaseChannelLayer, channel_layers, get_channel_layer
from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
# A send that takes longer than this is given up (and logged): the caller never waits on a
# stuck layer for long.
LAYER_CALL_TIMEOUT_SECONDS = 5.0


def user_group_name(user_id: UUID | str) -> str:
    return f"user.{user_id}"


class _LayerLoop:
    """This process's event loop for channel-layer calls from sync code, on a daemon thread,
    started on first use (and again in a forked child, which does not inherit the thread).

    It has a layer instance of its own, made from the same settings: the process's shared
    instance keeps per-loop receive state for the server's sockets, which another loop must
    never touch. Both reach the same Redis keys, like two processes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pid = 0
        # (the shared instance it was made beside, its own instance)
        self._layers: tuple[BaseChannelLayer, BaseChannelLayer] | None = None

    def get(self, shared: BaseChannelLayer) -> tuple[asyncio.AbstractEventLoop, BaseChannelLayer]:
        with self._lock:
            if self._loop is None or self._pid != os.getpid():
                loop = asyncio.new_event_loop()
                threading.Thread(target=loop.run_forever, name="channel-layer", daemon=True).start()
                self._loop, self._pid, self._layers = loop, os.getpid(), None
            if self._layers is None or self._layers[0] is not shared:  # settings changed
                self._layers = (shared, channel_layers.make_backend(DEFAULT_CHANNEL_LAYER))
            return self._loop, self._layers[1]


_layer_loop = _LayerLoop()


def run_on_layer(call: Callable[[BaseChannelLayer], Coroutine[Any, Any, None]]) -> None:
    """Run `call(layer)` (a coroutine using that channel layer) from sync code, and wait.

    From a thread that an event loop handed sync work to (Channels consumers), the call
    runs on that loop. Otherwise, with KINDRED_REALTIME_LAYER_LOOP (gunicorn), channels-redis
    runs on the process's layer loop; else (and for the in-memory layer of embedded mode,
    whose queues belong to the server's loop) through async_to_sync. Exceptions reach the
    caller."""
    layer = get_channel_layer()
    if layer is None:
        return
    if _called_from_an_event_loop():
        # Sync code the server's own loop runs on a thread (a socket's database work): the
        # call goes back to that loop, which already holds the layer's connections.
        async_to_sync(call)(layer)
    elif settings.KINDRED_REALTIME_LAYER_LOOP and type(layer).__module__.startswith(
        "channels_redis."
    ):
        loop, own_layer = _layer_loop.get(layer)
        future = asyncio.run_coroutine_threadsafe(call(own_layer), loop)
        try:
            future.result(timeout=LAYER_CALL_TIMEOUT_SECONDS)
        except TimeoutError:
            future.cancel()
            raise
    else:
        async_to_sync(call)(layer)


def _called_from_an_event_loop() -> bool:
    loop = getattr(SyncToAsync.threadlocal, "main_event_loop", None)
    return loop is not None and loop.is_running()


def _group_send(user_ids: Iterable[UUID | str], message: dict[str, Any]) -> None:
    """Send `message` to every socket of each user, the users concurrently (one round trip
    of the layer, not one per user); a failure is logged per user and dropped."""
    recipients = list(user_ids)

    async def fan_out(layer: BaseChannelLayer) -> None:
        results = await asyncio.gather(
            *(layer.group_send(user_group_name(user_id), message) for user_id in recipients),
            return_exceptions=True,
        )
        for user_id, result in zip(recipients, results, strict=True):
            if isinstance(result, BaseException):
                logger.warning("realtime event to %s dropped", user_id, exc_info=result)

    try:
        run_on_layer(fan_out)
    except Exception:  # the layer could not even be reached in time: best effort
        logger.warning("realtime event to %s dropped", recipients, exc_info=True)


def send_to_users(user_ids: Iterable[UUID | str], event: dict[str, Any]) -> None:
    """Send `event` to every open socket of each user now (call only outside transactions)."""
    _group_send(user_ids, {"type": "realtime.event", "event": event})


def send_to_users_on_commit(user_ids: Iterable[UUID | str], event: dict[str, Any]) -> None:
    """Send `event` once the current transaction commits (at once outside a transaction)."""
    recipients = list(user_ids)
    transaction.on_commit(lambda: send_to_users(recipients, event))


def close_user_sockets_on_commit(user_id: UUID | str, *, code: int = CLOSE_FORBIDDEN) -> None:
    """Close every open socket of the user once the current transaction commits."""
    transaction.on_commit(lambda: _group_send([user_id], {"type": "realtime.close", "code": code}))
