"""Call signalling between the two members of an open match (the server relays, WebRTC
carries the media peer to peer or through TURN).

A call lives in Redis while it rings or runs: `call:<id>` (a hash: conversation, caller,
callee, the socket each side uses, state) and `call_conversation:<conversation id>` (one
call per conversation at a time). State changes (ringing → accepted, ringing → missed,
declined or ended) are compare-and-set under WATCH, so an accept racing the ring timeout
or a hang-up has exactly one outcome, and a missed call leaves exactly one system message.

Invite: both people must allow calls (ChatPreference.allow_calls); the callee's sockets get
`call.invite` with the ICE servers, the caller's socket `call.ringing` with the same.
Offer, answer and ICE candidates go only between the two sockets of an accepted call.
"""

import base64
import hashlib
import hmac
import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any, cast
from uuid import UUID

from django.conf import settings
from django.db import transaction
from redis.exceptions import RedisError, WatchError

from accounts.models import User
from chat import events
from chat.models import ChatPreference, SystemEvent
from chat.services import _ensure_may_send, _rate_limit, message_create_system
from core.exceptions import Conflict, NotFound, PermissionDenied, ServiceUnavailable
from core.realtime import send_to_channel, send_to_users
from core.redis import get_redis, redis_key

logger = logging.getLogger(__name__)

RINGING = "ringing"
ACCEPTED = "accepted"
# How long an accepted call's record lives without any signalling (refreshed by each frame).
ACTIVE_CALL_TTL_SECONDS = 4 * 3600
MEDIA_KINDS = ("audio", "video")


@dataclass(frozen=True)
class Call:
    id: str
    conversation_id: str
    caller_id: str
    callee_id: str
    state: str
    media: str
    caller_channel: str
    callee_channel: str

    def other_party(self, user_id: UUID | str) -> str:
        return self.callee_id if str(user_id) == self.caller_id else self.caller_id


def _call_key(call_id: str) -> str:
    return redis_key("call", call_id)


def _conversation_key(conversation_id: UUID | str) -> str:
    return redis_key("call_conversation", conversation_id)


def ice_servers_for(user_id: UUID | str) -> list[dict[str, Any]]:
    """STUN servers as configured; TURN with short-lived credentials minted from the shared
    secret (the TURN REST scheme of coturn's `use-auth-secret`)."""
    servers: list[dict[str, Any]] = []
    if settings.KINDRED_CALL_STUN_URLS:
        servers.append({"urls": list(settings.KINDRED_CALL_STUN_URLS)})
    if settings.KINDRED_CALL_TURN_URLS and settings.KINDRED_CALL_TURN_SECRET:
        expires = int(time.time()) + int(settings.KINDRED_CALL_TURN_TTL_SECONDS)
        username = f"{expires}:{user_id}"
        digest = hmac.new(
            settings.KINDRED_CALL_TURN_SECRET.encode(), username.encode(), hashlib.sha1
        ).digest()
        servers.append(
            {
                "urls": list(settings.KINDRED_CALL_TURN_URLS),
                "username": username,
                "credential": base64.b64encode(digest).decode(),
            }
        )
    return servers


def _load(call_id: str) -> Call | None:
    # The client decodes responses, so every value is a str.
    values = cast(dict[str, str], get_redis().hgetall(_call_key(call_id)))
    if not values:
        return None
    return Call(id=call_id, **{field: str(values.get(field, "")) for field in _FIELDS})


_FIELDS = (
    "conversation_id",
    "caller_id",
    "callee_id",
    "state",
    "media",
    "caller_channel",
    "callee_channel",
)


def _get_party_call(*, user: User, call_id: object) -> Call:
    """The call if `user` is one of its two people; NotFound for others alike."""
    try:
        key = str(uuid.UUID(str(call_id)))
    except ValueError:
        raise NotFound("No such call.", code="call_not_found") from None
    call = _redis(_load, key)
    if call is None or str(user.pk) not in (call.caller_id, call.callee_id):
        raise NotFound("No such call.", code="call_not_found")
    return call


def _redis(function: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return function(*args, **kwargs)
    except RedisError:
        logger.warning("call state unavailable", exc_info=True)
        raise ServiceUnavailable("Calls are unavailable right now.") from None


def _transition(call_id: str, *, expected: str, new_state: str | None, **fields: str) -> bool:
    """Move the call from `expected` to `new_state` (None: end and forget it) atomically.
    Returns whether this caller made the change."""
    client = get_redis()
    key = _call_key(call_id)
    while True:
        with client.pipeline() as pipeline:
            try:
                pipeline.watch(key)
                state = pipeline.hget(key, "state")
                conversation_id = str(pipeline.hget(key, "conversation_id") or "")
                slot = _conversation_key(conversation_id)
                pipeline.watch(slot)
                holds_slot = pipeline.get(slot) == call_id
                if state != expected:
                    pipeline.unwatch()
                    return False
                pipeline.multi()
                if new_state is None:
                    pipeline.delete(key)
                    if holds_slot:
                        pipeline.delete(slot)
                else:
                    mapping: dict[str, str] = {"state": new_state, **fields}
                    pipeline.hset(key, mapping=mapping)  # type: ignore[arg-type]
                    pipeline.expire(key, ACTIVE_CALL_TTL_SECONDS)
                    if holds_slot:
                        pipeline.expire(slot, ACTIVE_CALL_TTL_SECONDS)
                pipeline.execute()
                return True
            except WatchError:
                continue


def _both_allow_calls(first_id: UUID, second_id: UUID) -> tuple[bool, bool]:
    refusing = set(
        ChatPreference.objects.filter(
            user_id__in=[first_id, second_id], allow_calls=False
        ).values_list("user_id", flat=True)
    )
    return first_id not in refusing, second_id not in refusing


def _relay_to_channel(channel_name: str, event: dict[str, Any]) -> None:
    if channel_name:  # signalling is best effort, like every realtime event
        send_to_channel(channel_name, event)


def _call_event(event_type: str, call: Call, **fields: Any) -> dict[str, Any]:
    return {
        "type": event_type,
        "call_id": call.id,
        "conversation_id": call.conversation_id,
        **fields,
    }


@dataclass(frozen=True)
class InviteResult:
    call: Call
    ice_servers: list[dict[str, Any]]


def call_invite(
    *, caller: User, conversation_id: UUID, media: str, channel_name: str
) -> InviteResult:
    """Ring the other member of an open conversation on all their sockets.

    Refusals: NotFound (not an open conversation of the caller), PermissionDenied
    `calls_disabled` (either person turned calls off; `extra.by` says who), Conflict
    `call_in_progress`, RateLimited (`KINDRED_CALL_INVITE_RATE`), ServiceUnavailable
    when Redis is down. Schedules the ring timeout (a missed call when nobody answers).
    """
    from chat.selectors import conversation_get_for_participant
    from chat.tasks import call_ring_timeout_task

    _ensure_may_send(caller)
    conversation = conversation_get_for_participant(user=caller, conversation_id=conversation_id)
    callee_id = conversation.match.other_user_id(caller.pk)
    caller_allows, callee_allows = _both_allow_calls(caller.pk, callee_id)
    if not (caller_allows and callee_allows):
        raise PermissionDenied(
            "Calls are turned off for this conversation.",
            code="calls_disabled",
            extra={"by": "you" if not caller_allows else "them"},
        )
    _rate_limit("call_invite", caller.pk, settings.KINDRED_CALL_INVITE_RATE, "rate_limited")
    call = Call(
        id=str(uuid.uuid4()),
        conversation_id=str(conversation_id),
        caller_id=str(caller.pk),
        callee_id=str(callee_id),
        state=RINGING,
        media=media,
        caller_channel=channel_name,
        callee_channel="",
    )
    ring_seconds = int(settings.KINDRED_CALL_RING_TIMEOUT_SECONDS)

    def store() -> bool:
        client = get_redis()
        slot = _conversation_key(conversation_id)
        # The record first: a slot whose record is missing is stale and may be taken over.
        record = _call_key(call.id)
        client.hset(record, mapping={field: getattr(call, field) for field in _FIELDS})
        client.expire(record, ring_seconds + 60)
        if client.set(slot, call.id, nx=True, ex=ring_seconds + 60):
            return True
        holder = cast(str | None, client.get(slot))
        if not (holder and client.exists(_call_key(holder))):
            with client.pipeline() as pipeline:
                try:
                    pipeline.watch(slot)
                    if pipeline.get(slot) == holder:
                        pipeline.multi()
                        pipeline.set(slot, call.id, ex=ring_seconds + 60)
                        pipeline.execute()
                        return True
                except WatchError:
                    pass
        client.delete(record)
        return False

    if not _redis(store):
        raise Conflict("A call is already ringing or running here.", code="call_in_progress")
    ice_servers = ice_servers_for(callee_id)
    send_to_users(
        [callee_id],
        _call_event(
            events.CALL_INVITE,
            call,
            from_user_id=call.caller_id,
            media=media,
            ice_servers=ice_servers,
            expires_in=ring_seconds,
        ),
    )
    try:
        call_ring_timeout_task.apply_async(args=[call.id], countdown=ring_seconds)
    except Exception:  # broker down: the call still rings; the record expires on its own
        logger.warning("ring timeout of call %s not scheduled", call.id, exc_info=True)
    return InviteResult(call=call, ice_servers=ice_servers_for(caller.pk))


def call_accept(*, user: User, call_id: object, channel_name: str) -> Call:
    """The callee answers on this socket: the caller's sockets and the callee's other
    devices get `call.accept` (they stop ringing). NotFound when it no longer rings."""
    call = _get_party_call(user=user, call_id=call_id)
    if str(user.pk) != call.callee_id or not _redis(
        _transition, call.id, expected=RINGING, new_state=ACCEPTED, callee_channel=channel_name
    ):
        raise NotFound("This call is no longer ringing.", code="call_not_found")
    send_to_users(
        [call.caller_id, call.callee_id],
        _call_event(events.CALL_ACCEPT, call, user_id=str(user.pk)),
    )
    return call


def call_decline(*, user: User, call_id: object) -> Call:
    """The callee says no: the call ends without a missed-call message."""
    call = _get_party_call(user=user, call_id=call_id)
    if str(user.pk) != call.callee_id or not _redis(
        _transition, call.id, expected=RINGING, new_state=None
    ):
        raise NotFound("This call is no longer ringing.", code="call_not_found")
    send_to_users(
        [call.caller_id, call.callee_id],
        _call_event(events.CALL_DECLINE, call, user_id=str(user.pk)),
    )
    return call


SIGNAL_TYPES = (events.CALL_OFFER, events.CALL_ANSWER, events.CALL_ICE_CANDIDATE)


def call_signal(*, user: User, call_id: object, signal_type: str, payload: dict[str, Any]) -> None:
    """Relay an SDP offer/answer or an ICE candidate to the other side's socket of an
    accepted call. NotFound when the call is not running or `user` is not in it."""
    call = _get_party_call(user=user, call_id=call_id)
    if call.state != ACCEPTED:
        raise NotFound("This call has not been accepted.", code="call_not_active")
    target = call.callee_channel if str(user.pk) == call.caller_id else call.caller_channel
    _relay_to_channel(target, _call_event(signal_type, call, from_user_id=str(user.pk), **payload))


def call_hangup(*, user: User, call_id: object) -> Call:
    """End the call. Before it was answered: by the caller, a missed call (system message);
    by the callee, a decline. Both people's sockets get `call.hangup`."""
    call = _get_party_call(user=user, call_id=call_id)
    if call.state == RINGING and str(user.pk) == call.callee_id:
        return call_decline(user=user, call_id=call.id)
    if call.state == RINGING:
        if _redis(_transition, call.id, expected=RINGING, new_state=None):
            _missed(call, reason="cancelled")
        return call
    if _redis(_transition, call.id, expected=ACCEPTED, new_state=None):
        send_to_users(
            [call.caller_id, call.callee_id],
            _call_event(events.CALL_HANGUP, call, user_id=str(user.pk), reason="hangup"),
        )
    return call


def call_ring_timeout(*, call_id: str) -> bool:
    """Nobody answered in time: a missed call. Idempotent (False when the call was already
    answered, declined or hung up)."""
    call = _load(call_id)
    if call is None or not _transition(call_id, expected=RINGING, new_state=None):
        return False
    _missed(call, reason="no_answer")
    return True


def call_connection_lost(*, user: User, call_id: str, channel_name: str) -> None:
    """The socket that carried this call closed: ringing calls it started become missed,
    running calls on it end."""
    call = _load(call_id)
    if call is None:
        return
    if call.state == RINGING:
        if call.caller_channel == channel_name and _transition(
            call.id, expected=RINGING, new_state=None
        ):
            _missed(call, reason="connection_lost")
        return
    carried_here = channel_name in (call.caller_channel, call.callee_channel)
    if carried_here and _transition(call.id, expected=ACCEPTED, new_state=None):
        send_to_users(
            [call.caller_id, call.callee_id],
            _call_event(events.CALL_HANGUP, call, user_id=str(user.pk), reason="connection_lost"),
        )


def _missed(call: Call, *, reason: str) -> None:
    send_to_users(
        [call.caller_id, call.callee_id],
        _call_event(events.CALL_HANGUP, call, user_id=call.caller_id, reason=reason),
    )
    message_create_system(
        conversation_id=UUID(call.conversation_id),
        body="Missed call",
        data={
            "event": SystemEvent.MISSED_CALL,
            "call_id": call.id,
            "caller_id": call.caller_id,
            "media": call.media,
        },
    )


def call_end_for_conversation_on_commit(*, conversation_id: UUID, member_ids: list[UUID]) -> None:
    """After the conversation closed (unmatch, block): end its call, if any, for both."""

    def end() -> None:
        try:
            client = get_redis()
            call_id = cast(str | None, client.get(_conversation_key(conversation_id)))
            call = _load(call_id) if call_id else None
            if call is None:
                return
            if _transition(call.id, expected=call.state, new_state=None):
                send_to_users(
                    member_ids,
                    _call_event(
                        events.CALL_HANGUP, call, user_id=None, reason="conversation_closed"
                    ),
                )
        except RedisError:
            logger.warning("could not end the call of %s", conversation_id, exc_info=True)

    transaction.on_commit(end)
