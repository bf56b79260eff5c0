"""Frames of the realtime socket that chat sends, and their builders (docs/asyncapi.yaml).

Events that must reach every socket of a person go through `core.realtime` after commit
(`send_to_users_on_commit`); replies to one socket (ack, pong, error, call.ringing) are
written by the consumer itself.
"""

import logging
from typing import Any
from uuid import UUID

from chat.models import Message
from core.realtime import send_to_users_on_commit

logger = logging.getLogger(__name__)

# --- Server → client frame types -----------------------------------------------------------

READY = "ready"
ACK = "chat.ack"
MESSAGE_CREATED = "chat.message_created"
READ = "chat.read"
TYPING = "chat.typing"
CONVERSATION_CLOSED = "chat.conversation_closed"
PRESENCE = "presence"
PONG = "pong"
ERROR = "error"
CALL_RINGING = "call.ringing"
CALL_INVITE = "call.invite"
CALL_ACCEPT = "call.accept"
CALL_DECLINE = "call.decline"
CALL_OFFER = "call.offer"
CALL_ANSWER = "call.answer"
CALL_ICE_CANDIDATE = "call.ice_candidate"
CALL_HANGUP = "call.hangup"

# Every frame type chat itself sends to clients.
SERVER_FRAME_TYPES = frozenset(
    {
        READY,
        ACK,
        MESSAGE_CREATED,
        READ,
        TYPING,
        CONVERSATION_CLOSED,
        PRESENCE,
        PONG,
        ERROR,
        CALL_RINGING,
        CALL_INVITE,
        CALL_ACCEPT,
        CALL_DECLINE,
        CALL_OFFER,
        CALL_ANSWER,
        CALL_ICE_CANDIDATE,
        CALL_HANGUP,
    }
)

# Events other apps send through `core.realtime` that the socket forwards as they are.
# Listed here (and in docs/asyncapi.yaml) so that clients know what to expect; the consumer
# forwards any `realtime.event` whatever its type.
FORWARDED_EVENT_TYPES = frozenset(
    {
        "matching.like_received",
        "matching.match_created",
        "matching.match_updated",
        "matching.match_ended",
        "notifications.created",
        "notifications.read",
        "ai.job_completed",
    }
)


def message_payload(message: Message) -> dict[str, Any]:
    """The Message shape of API.md, as a JSON-ready dict (REST and socket alike)."""
    return {
        "id": str(message.id),
        "conversation_id": str(message.conversation_id),
        "sender_id": str(message.sender_id) if message.sender_id else None,
        "seq": message.seq,
        "kind": message.kind,
        "body": message.body,
        "client_message_id": message.client_message_id,
        "data": message.data,
        "created_at": message.created_at.isoformat().replace("+00:00", "Z"),
    }


def message_created_on_commit(message: Message, member_ids: list[UUID]) -> None:
    """Both members (every device, the sender's too) get the message once it is committed.

    core.realtime publishes to both in one round trip, in the order of `member_ids`: put the
    recipient first, this is the hot path of chat latency. A layer outage is logged and the
    event dropped (clients catch up with after_seq)."""
    event = {"type": MESSAGE_CREATED, "message": message_payload(message)}
    send_to_users_on_commit(member_ids, event)


def read_on_commit(
    *, conversation_id: UUID, reader_id: UUID, seq: int, recipient_ids: list[UUID]
) -> None:
    send_to_users_on_commit(
        recipient_ids,
        {
            "type": READ,
            "conversation_id": str(conversation_id),
            "user_id": str(reader_id),
            "seq": seq,
        },
    )


def conversation_closed_on_commit(*, conversation_id: UUID, member_ids: list[UUID]) -> None:
    send_to_users_on_commit(
        member_ids, {"type": CONVERSATION_CLOSED, "conversation_id": str(conversation_id)}
    )


def typing_event(*, conversation_id: UUID | str, user_id: UUID | str, is_typing: bool) -> dict:
    return {
        "type": TYPING,
        "conversation_id": str(conversation_id),
        "user_id": str(user_id),
        "is_typing": is_typing,
    }


def presence_event(*, user_id: UUID | str, is_online: bool, last_seen_at: str | None) -> dict:
    return {
        "type": PRESENCE,
        "user_id": str(user_id),
        "is_online": is_online,
        "last_seen_at": last_seen_at,
    }


def error_frame(code: str, message: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"type": ERROR, "code": code, "message": message, "extra": extra or {}}
