"""The realtime socket at /ws/v1/ (DESIGN.md §7, docs/asyncapi.yaml).

Authentication: `?ticket=` from POST /api/v1/realtime/ticket, redeemed once. The socket is
accepted first so that a refusal carries its close code: 4401 for a missing, unknown,
expired or used ticket, 4403 for an inactive, banned or suspended account (1013 when Redis
cannot be asked). Each socket joins `user.<id>` (core.realtime) and counts in presence.

Client frames are JSON objects with a `type`; each has a handler below. Anything wrong with
a frame (not JSON, unknown type, invalid fields, a refused action) is answered with an
`error` frame carrying the same `code`/`message`/`extra` as HTTP, and the socket stays
open. Writes go through the same services as REST, in worker threads; the services
broadcast after commit, the consumer only acknowledges to the sending socket.
"""

import asyncio
import json
import logging
import re
import time
import weakref
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar
from urllib.parse import parse_qs
from uuid import UUID

from channels.consumer import get_handler_name
from channels.db import DatabaseSyncToAsync
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from redis.exceptions import RedisError
from rest_framework import serializers
from rest_framework.exceptions import ValidationError as DRFValidationError

from accounts.models import User
from chat import calls, events
from chat.serializers import CLIENT_MESSAGE_ID_PATTERN
from chat.services import conversation_mark_read, message_send
from core import presence
from core.exceptions import ApplicationError, RateLimited
from core.ratelimit import Rate
from core.realtime import CLOSE_FORBIDDEN, CLOSE_UNAUTHENTICATED, send_to_users, user_group_name
from core.tickets import ticket_redeem

logger = logging.getLogger(__name__)

CLOSE_TRY_AGAIN_LATER = 1013
# A conversation checked open for typing stays trusted this long (closing it is pushed to
# the socket as chat.conversation_closed, which drops it at once).
MEMBERSHIP_CACHE_SECONDS = 30.0

T = TypeVar("T")


_executor: ThreadPoolExecutor | None = None


def _thread_pool() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(
            max_workers=settings.KINDRED_WS_THREADS, thread_name_prefix="realtime"
        )
    return _executor


async def run_sync(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run blocking code (ORM, Redis) on the sockets' thread pool, off the event loop. Not
    thread-sensitive: sockets do not queue behind each other on one shared thread."""
    runner = DatabaseSyncToAsync(function, thread_sensitive=False, executor=_thread_pool())
    return await runner(*args, **kwargs)


class _LocalSockets:
    """The authenticated sockets of this process on one event loop. One task keeps all of
    them alive in presence with a single pipelined call per interval (not one call per
    socket). Group memberships need no renewal: on the pub/sub layer a membership is this
    process's subscription, held as long as the socket is open."""

    def __init__(self) -> None:
        # channel name -> user id
        self.sockets: dict[str, UUID] = {}
        self.task: asyncio.Task[None] | None = None

    def add(self, consumer: "RealtimeConsumer", user_id: UUID) -> None:
        self.sockets[consumer.channel_name] = user_id
        if self.task is None or self.task.done():
            self.task = asyncio.ensure_future(self.run())

    def remove(self, channel_name: str) -> None:
        self.sockets.pop(channel_name, None)

    async def run(self) -> None:
        while self.sockets:
            await asyncio.sleep(float(settings.KINDRED_PRESENCE_HEARTBEAT_SECONDS))
            entries = [(user_id, channel) for channel, user_id in self.sockets.items()]
            try:
                await run_sync(presence.presence_heartbeat_many, entries)
            except Exception:
                logger.warning("presence heartbeat failed", exc_info=True)


_local_sockets: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LocalSockets]" = (
    weakref.WeakKeyDictionary()
)


def _sockets_of_this_loop() -> _LocalSockets:
    loop = asyncio.get_running_loop()
    registry = _local_sockets.get(loop)
    if registry is None:
        registry = _local_sockets[loop] = _LocalSockets()
    return registry


# --- Frame shapes -------------------------------------------------------------------------


class SendFrame(serializers.Serializer):
    conversation_id = serializers.UUIDField()
    body = serializers.JSONField()
    client_message_id = serializers.RegexField(CLIENT_MESSAGE_ID_PATTERN)


class TypingFrame(serializers.Serializer):
    conversation_id = serializers.UUIDField()
    is_typing = serializers.BooleanField()


class ReadFrame(serializers.Serializer):
    conversation_id = serializers.UUIDField()
    seq = serializers.IntegerField(min_value=0)


class PingFrame(serializers.Serializer):
    ts = serializers.JSONField(required=False)


class CallInviteFrame(serializers.Serializer):
    conversation_id = serializers.UUIDField()
    media = serializers.ChoiceField(choices=calls.MEDIA_KINDS, default="audio")


class CallFrame(serializers.Serializer):
    call_id = serializers.UUIDField()


class CallSdpFrame(CallFrame):
    sdp = serializers.CharField(max_length=30_000, trim_whitespace=False)


class IceCandidate(serializers.Serializer):
    candidate = serializers.CharField(max_length=1024, allow_blank=True, trim_whitespace=False)
    sdpMid = serializers.CharField(max_length=64, allow_null=True, required=False)
    sdpMLineIndex = serializers.IntegerField(
        min_value=0, max_value=255, allow_null=True, required=False
    )
    usernameFragment = serializers.CharField(max_length=256, allow_null=True, required=False)


class CallIceFrame(CallFrame):
    candidate = IceCandidate()


def _frame_data(shape: type[serializers.Serializer], frame: dict[str, Any]) -> dict[str, Any]:
    serializer = shape(data=frame)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


_CLIENT_MESSAGE_ID = re.compile(CLIENT_MESSAGE_ID_PATTERN)


def _send_frame_data(frame: dict[str, Any]) -> dict[str, Any]:
    """SendFrame's data. A well-formed frame, the usual case, is read directly: building the
    serializer cost 0.4 ms of every message's way to the other person. Anything else goes
    through SendFrame, for the same field errors."""
    conversation_id = frame.get("conversation_id")
    client_message_id = frame.get("client_message_id")
    if (
        frame.get("body") is not None
        and isinstance(conversation_id, str)
        and isinstance(client_message_id, str)
        and _CLIENT_MESSAGE_ID.fullmatch(client_message_id)
    ):
        try:
            return {
                "conversation_id": UUID(hex=conversation_id),
                "body": frame["body"],
                "client_message_id": client_message_id,
            }
        except ValueError:
            pass
    return _frame_data(SendFrame, frame)


def _error_for(exc: Exception) -> dict[str, Any]:
    if isinstance(exc, ApplicationError):
        return events.error_frame(exc.code, exc.message, dict(exc.extra))
    if isinstance(exc, DRFValidationError):
        detail = exc.detail
        fields = (
            {
                key: [str(item) for item in value] if isinstance(value, list) else value
                for key, value in detail.items()
            }
            if isinstance(detail, dict)
            else {"non_field_errors": [str(item) for item in detail]}
        )
        return events.error_frame(
            "validation_error", "Some fields are invalid.", {"fields": _plain(fields)}
        )
    logger.exception("realtime frame failed", exc_info=exc)
    return events.error_frame("internal_error", "Something went wrong on our side.")


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return str(value)


class _FrameWindow:
    """Frames per socket per window, counted in memory (a flood never reaches the DB)."""

    def __init__(self, rate: Rate) -> None:
        self.rate = rate
        self.started = time.monotonic()
        self.count = 0

    def allow(self) -> tuple[bool, int]:
        now = time.monotonic()
        if now - self.started >= self.rate.seconds:
            self.started, self.count = now, 0
        self.count += 1
        retry_after = max(1, int(self.rate.seconds - (now - self.started)))
        return self.count <= self.rate.count, retry_after


# --- The consumer -------------------------------------------------------------------------


def _load_user(user_id: UUID) -> User | None:
    return User.objects.filter(pk=user_id).first()


def _may_connect(user: User) -> bool:
    return user.is_active and not user.is_banned and not user.is_suspended


def _announce_presence(user_id: UUID, *, is_online: bool) -> None:
    from chat.selectors import partner_ids_of

    partners = partner_ids_of(user_id)
    if not partners:
        return
    last_seen = None
    if not is_online:
        seen = presence.last_seen_at([user_id]).get(user_id)
        last_seen = seen.isoformat().replace("+00:00", "Z") if seen else None
    send_to_users(
        partners,
        events.presence_event(user_id=user_id, is_online=is_online, last_seen_at=last_seen),
    )


def _connect_presence(user_id: UUID, connection_id: str) -> None:
    if presence.presence_connect(user_id, connection_id):
        _announce_presence(user_id, is_online=True)


def _disconnect_presence(user_id: UUID, connection_id: str) -> None:
    if presence.presence_disconnect(user_id, connection_id):
        _announce_presence(user_id, is_online=False)


def _typing_target(user: User, conversation_id: UUID) -> UUID:
    from chat.selectors import conversation_get_for_participant

    conversation = conversation_get_for_participant(user=user, conversation_id=conversation_id)
    return conversation.match.other_user_id(user.pk)


Handler = Callable[["RealtimeConsumer", dict[str, Any]], Awaitable[None]]


class RealtimeConsumer(AsyncWebsocketConsumer):
    user: User | None = None

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Channels' dispatch, without its `aclose_old_connections()` before each handler.
        That hop runs on the process's one thread-sensitive thread, so every frame and every
        event of every socket queued behind the others there: 1.4 ms of each chat message's
        way to the other person with 1,000 sockets open. This consumer never touches the
        database on the loop; its work runs through `run_sync`, which closes old connections
        on its own thread before and after."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self) -> None:
        self.user = None
        self.group_name = ""
        self.call_ids: set[str] = set()
        # conversation id -> (the other member's id, checked at)
        self.partners: dict[UUID, tuple[UUID, float]] = {}
        # conversation id -> when "typing" was last relayed
        self.typing_sent: dict[UUID, float] = {}
        self.frames = _FrameWindow(Rate.parse(settings.KINDRED_WS_FRAME_RATE))
        await self.accept()

        query = parse_qs(self.scope.get("query_string", b"").decode("latin1"))
        ticket = (query.get("ticket") or [""])[0]
        try:
            user_id = await run_sync(ticket_redeem, ticket)
        except RedisError:
            logger.warning("socket refused: tickets cannot be checked", exc_info=True)
            await self.close(code=CLOSE_TRY_AGAIN_LATER)
            return
        user = await run_sync(_load_user, user_id) if user_id else None
        if user is None:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        if not _may_connect(user):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.user = user
        self.group_name = user_group_name(user.pk)
        await self.channel_layer.group_add(self.group_name, self.channel_name)
        try:
            await run_sync(_connect_presence, user.pk, self.channel_name)
        except RedisError:
            logger.warning("presence unavailable for %s", user.pk, exc_info=True)
        _sockets_of_this_loop().add(self, user.pk)
        # From now on every event reaches this socket: the client catches up over REST
        # (after_seq) after this frame, so nothing falls between the two.
        await self._send(
            {
                "type": events.READY,
                "user_id": str(user.pk),
                "heartbeat_seconds": settings.KINDRED_PRESENCE_HEARTBEAT_SECONDS,
            }
        )

    async def disconnect(self, code: int) -> None:
        user = self.user
        if user is None:
            return
        self.user = None
        _sockets_of_this_loop().remove(self.channel_name)
        try:
            await self.channel_layer.group_discard(self.group_name, self.channel_name)
        except Exception:  # Redis down: the group entry expires on its own
            logger.warning("group_discard failed", exc_info=True)
        for call_id in list(self.call_ids):
            try:
                await run_sync(
                    calls.call_connection_lost,
                    user=user,
                    call_id=call_id,
                    channel_name=self.channel_name,
                )
            except Exception:
                logger.warning("call %s not ended on disconnect", call_id, exc_info=True)
        try:
            await run_sync(_disconnect_presence, user.pk, self.channel_name)
        except Exception:
            logger.warning("presence not updated on disconnect", exc_info=True)

    # --- Frames from the client -----------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.user is None:
            return
        if text_data is None:
            await self._send_error("unsupported_frame", "Frames are JSON text.")
            return
        if len(text_data) > settings.KINDRED_WS_MAX_FRAME_BYTES:
            await self._send_error(
                "frame_too_large",
                "The frame is too large.",
                {"max_bytes": settings.KINDRED_WS_MAX_FRAME_BYTES},
            )
            return
        allowed, retry_after = self.frames.allow()
        if not allowed:
            limited = RateLimited("Too many frames. Slow down.", retry_after=retry_after)
            await self._send(_error_for(limited))
            return
        try:
            frame = json.loads(text_data)
        except ValueError:
            await self._send_error("malformed_frame", "The frame is not valid JSON.")
            return
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            await self._send_error("malformed_frame", 'A frame is a JSON object with a "type".')
            return
        frame_type = frame["type"]
        handler = CLIENT_HANDLERS.get(frame_type)
        if handler is None:
            await self._send_error(
                "unknown_frame_type",
                "Unknown frame type.",
                {"frame_type": frame_type[:64], "known": sorted(CLIENT_HANDLERS)},
            )
            return
        try:
            await handler(self, frame)
        except Exception as exc:  # noqa: BLE001  (every failure becomes an error frame)
            error = _error_for(exc)
            error["extra"].setdefault("frame_type", frame_type)
            for key in ("client_message_id", "conversation_id", "call_id"):
                value = frame.get(key)
                if isinstance(value, str) and len(value) <= 64:
                    error["extra"].setdefault(key, value)
            await self._send(error)

    async def on_send(self, frame: dict[str, Any]) -> None:
        data = _send_frame_data(frame)
        assert self.user is not None
        result = await run_sync(
            message_send,
            sender=self.user,
            conversation_id=data["conversation_id"],
            body=data["body"],
            client_message_id=data["client_message_id"],
        )
        await self._send(
            {
                "type": events.ACK,
                "client_message_id": data["client_message_id"],
                "created": result.created,
                "message": events.message_payload(result.message),
            }
        )

    async def on_typing(self, frame: dict[str, Any]) -> None:
        data = _frame_data(TypingFrame, frame)
        assert self.user is not None
        conversation_id: UUID = data["conversation_id"]
        now = time.monotonic()
        if data["is_typing"]:
            last = self.typing_sent.get(conversation_id)
            if last is not None and now - last < settings.KINDRED_CHAT_TYPING_INTERVAL_SECONDS:
                return  # throttled: the other side already shows "typing…"
        elif conversation_id not in self.typing_sent:
            return  # nothing to stop
        other_id = await self._partner_in(conversation_id)
        if data["is_typing"]:
            self.typing_sent[conversation_id] = now
        else:
            self.typing_sent.pop(conversation_id, None)
        event = events.typing_event(
            conversation_id=conversation_id, user_id=self.user.pk, is_typing=data["is_typing"]
        )
        try:
            await self.channel_layer.group_send(
                user_group_name(other_id), {"type": "realtime.event", "event": event}
            )
        except Exception:  # ephemeral: dropped when the layer is down
            logger.warning("typing event dropped", exc_info=True)

    async def _partner_in(self, conversation_id: UUID) -> UUID:
        assert self.user is not None
        cached = self.partners.get(conversation_id)
        if cached is not None and time.monotonic() - cached[1] < MEMBERSHIP_CACHE_SECONDS:
            return cached[0]
        other_id = await run_sync(_typing_target, self.user, conversation_id)
        self.partners[conversation_id] = (other_id, time.monotonic())
        return other_id

    async def on_read(self, frame: dict[str, Any]) -> None:
        data = _frame_data(ReadFrame, frame)
        assert self.user is not None
        await run_sync(
            conversation_mark_read,
            user=self.user,
            conversation_id=data["conversation_id"],
            seq=data["seq"],
        )

    async def on_ping(self, frame: dict[str, Any]) -> None:
        data = _frame_data(PingFrame, frame)
        pong: dict[str, Any] = {"type": events.PONG}
        if "ts" in data:
            pong["ts"] = data["ts"]
        await self._send(pong)

    async def on_call_invite(self, frame: dict[str, Any]) -> None:
        data = _frame_data(CallInviteFrame, frame)
        assert self.user is not None
        result = await run_sync(
            calls.call_invite,
            caller=self.user,
            conversation_id=data["conversation_id"],
            media=data["media"],
            channel_name=self.channel_name,
        )
        self.call_ids.add(result.call.id)
        await self._send(
            {
                "type": events.CALL_RINGING,
                "call_id": result.call.id,
                "conversation_id": result.call.conversation_id,
                "to_user_id": result.call.callee_id,
                "media": result.call.media,
                "ice_servers": result.ice_servers,
                "expires_in": settings.KINDRED_CALL_RING_TIMEOUT_SECONDS,
            }
        )

    async def on_call_accept(self, frame: dict[str, Any]) -> None:
        data = _frame_data(CallFrame, frame)
        call = await run_sync(
            calls.call_accept,
            user=self.user,
            call_id=data["call_id"],
            channel_name=self.channel_name,
        )
        self.call_ids.add(call.id)

    async def on_call_decline(self, frame: dict[str, Any]) -> None:
        data = _frame_data(CallFrame, frame)
        await run_sync(calls.call_decline, user=self.user, call_id=data["call_id"])

    async def on_call_hangup(self, frame: dict[str, Any]) -> None:
        data = _frame_data(CallFrame, frame)
        call = await run_sync(calls.call_hangup, user=self.user, call_id=data["call_id"])
        self.call_ids.discard(call.id)

    async def on_call_offer(self, frame: dict[str, Any]) -> None:
        data = _frame_data(CallSdpFrame, frame)
        await self._signal(events.CALL_OFFER, data["call_id"], {"sdp": data["sdp"]})

    async def on_call_answer(self, frame: dict[str, Any]) -> None:
        data = _frame_data(CallSdpFrame, frame)
        await self._signal(events.CALL_ANSWER, data["call_id"], {"sdp": data["sdp"]})

    async def on_call_ice_candidate(self, frame: dict[str, Any]) -> None:
        data = _frame_data(CallIceFrame, frame)
        candidate = dict(data["candidate"])
        await self._signal(events.CALL_ICE_CANDIDATE, data["call_id"], {"candidate": candidate})

    async def _signal(self, signal_type: str, call_id: UUID, payload: dict[str, Any]) -> None:
        await run_sync(
            calls.call_signal,
            user=self.user,
            call_id=call_id,
            signal_type=signal_type,
            payload=payload,
        )

    # --- Group messages (core.realtime) -------------------------------------------------

    async def realtime_event(self, message: dict[str, Any]) -> None:
        event = message.get("event")
        if not isinstance(event, dict):
            return
        if event.get("type") == events.CONVERSATION_CLOSED:
            try:
                closed = UUID(str(event.get("conversation_id")))
            except ValueError:
                closed = None
            if closed is not None:
                self.partners.pop(closed, None)
                self.typing_sent.pop(closed, None)
        elif event.get("type") in (events.CALL_HANGUP, events.CALL_DECLINE):
            self.call_ids.discard(str(event.get("call_id")))
        await self._send(event)

    async def realtime_close(self, message: dict[str, Any]) -> None:
        await self.close(code=int(message.get("code") or CLOSE_FORBIDDEN))

    # --- Helpers -----------------------------------------------------------------------------

    async def _send(self, frame: dict[str, Any]) -> None:
        try:
            await self.send(text_data=json.dumps(frame, cls=DjangoJSONEncoder))
        except OSError:  # e.g. uvicorn's ClientDisconnected
            # The client left while its frame was being handled (the work itself is done;
            # a reconnecting client catches up over REST).
            logger.info("frame for a closed socket dropped")

    async def _send_error(
        self, code: str, message: str, extra: dict[str, Any] | None = None
    ) -> None:
        await self._send(events.error_frame(code, message, extra))


CLIENT_HANDLERS: dict[str, Handler] = {
    "chat.send": RealtimeConsumer.on_send,
    "chat.typing": RealtimeConsumer.on_typing,
    "chat.read": RealtimeConsumer.on_read,
    "ping": RealtimeConsumer.on_ping,
    "call.invite": RealtimeConsumer.on_call_invite,
    "call.accept": RealtimeConsumer.on_call_accept,
    "call.decline": RealtimeConsumer.on_call_decline,
    "call.offer": RealtimeConsumer.on_call_offer,
    "call.answer": RealtimeConsumer.on_call_answer,
    "call.ice_candidate": RealtimeConsumer.on_call_ice_candidate,
    "call.hangup": RealtimeConsumer.on_call_hangup,
}
# The frame types a client may send (docs/asyncapi.yaml documents each).
CLIENT_FRAME_TYPES = frozenset(CLIENT_HANDLERS)
