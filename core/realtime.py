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
"""

import logging
from collections.abc import Iterable
from typing import Any
from uuid import UUID

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403


def user_group_name(user_id: UUID | str) -> str:
    return f"user.{user_id}"


def _group_send(user_ids: Iterable[UUID | str], message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    for user_id in user_ids:
        try:
            async_to_sync(layer.group_send)(user_group_name(user_id), message)
        except Exception:  # Redis down: the event is best effort (module doc)
            logger.warning("realtime event to %s dropped", user_id, exc_info=True)


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
