"""The socket through WebsocketCommunicator, with channels-redis on the real test Redis.

Each test runs its ORM work on real threads (transactional database) exactly as the
consumer does in production.
"""

import asyncio
import uuid
from datetime import timedelta

import channels.consumer
import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from accounts.models import User
from chat.models import ChatPreference, ConversationMember, Message
from chat.tests.conftest import Socket, ws_path
from chat.tests.factories import make_match, make_user
from config.asgi import application
from core.presence import is_online, presence_connect
from core.realtime import send_to_users, user_group_name
from matching.services import match_unmatch
from moderation.services import block_create

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

# ORM calls from the test body run on a thread that closes its connection afterwards.
db = database_sync_to_async


def send_frame(conversation_id, body="hello", client_message_id=None):
    return {
        "type": "chat.send",
        "conversation_id": str(conversation_id),
        "body": body,
        "client_message_id": client_message_id or uuid.uuid4().hex,
    }


async def open_raw(path, headers=None):
    communicator = WebsocketCommunicator(application, path, headers=headers or [])
    connected, _ = await communicator.connect(timeout=5)
    return communicator, connected


# --- Connecting ------------------------------------------------------------------------------


async def test_a_valid_ticket_connects_and_counts_the_user_online(live_pair):
    communicator, connected = await open_raw(await db(ws_path)(live_pair.first))
    ready = await communicator.receive_json_from(timeout=3)
    assert connected
    assert ready == {
        "type": "ready",
        "user_id": str(live_pair.first.pk),
        "heartbeat_seconds": 20,
    }
    socket = Socket(communicator, live_pair.first)

    await socket.send({"type": "ping", "ts": 12})

    assert await socket.receive() == {"type": "pong", "ts": 12}
    assert await db(is_online)(live_pair.first.pk)
    await socket.close()


async def test_frames_and_events_are_handled_without_a_hop_to_the_sync_thread(
    live_pair, connect, monkeypatch
):
    # Channels' dispatch closes old database connections on the process's one
    # thread-sensitive thread before every handler; every socket's frames and events then
    # queued there. This consumer's database work closes its own connections (run_sync).
    hops = []

    async def recorded() -> None:
        hops.append(True)

    monkeypatch.setattr(channels.consumer, "aclose_old_connections", recorded)
    socket = await connect(live_pair.first)
    other = await connect(live_pair.second)

    await socket.send({"type": "ping", "ts": 1})
    assert await socket.receive_type("pong") == {"type": "pong", "ts": 1}
    await socket.send(send_frame(live_pair.conversation_id))
    await other.receive_type("chat.message_created")

    assert hops == []


@pytest.mark.parametrize("query", ["", "?ticket=", "?ticket=not-a-ticket", "?other=1"])
async def test_a_missing_or_unknown_ticket_closes_with_4401(live_pair, query):
    communicator, _ = await open_raw(f"/ws/v1/{query}")

    closing = await communicator.receive_output(timeout=3)

    assert closing == {"type": "websocket.close", "code": 4401, "reason": ""} or (
        closing["type"] == "websocket.close" and closing["code"] == 4401
    )


async def test_a_ticket_works_once(live_pair):
    path = await db(ws_path)(live_pair.first)
    first, _ = await open_raw(path)
    assert (await first.receive_json_from(timeout=3))["type"] == "ready"

    second, _ = await open_raw(path)

    closing = await second.receive_output(timeout=3)
    assert (closing["type"], closing["code"]) == ("websocket.close", 4401)
    await first.disconnect()


async def test_an_expired_ticket_closes_with_4401(live_pair, settings):
    settings.KINDRED_REALTIME_TICKET_TTL_SECONDS = 1
    path = await db(ws_path)(live_pair.first)
    await asyncio.sleep(1.2)

    communicator, _ = await open_raw(path)

    closing = await communicator.receive_output(timeout=3)
    assert (closing["type"], closing["code"]) == ("websocket.close", 4401)


@pytest.mark.parametrize(
    "fields",
    [
        {"banned_at": timezone.now()},
        {"suspended_until": timezone.now() + timedelta(days=2)},
        {"is_active": False},
    ],
)
async def test_banned_suspended_or_inactive_accounts_close_with_4403(live_pair, fields):
    path = await db(ws_path)(live_pair.first)
    await db(User.objects.filter(pk=live_pair.first.pk).update)(**fields)

    communicator, _ = await open_raw(path)

    closing = await communicator.receive_output(timeout=3)
    assert (closing["type"], closing["code"]) == ("websocket.close", 4403)
    assert not await db(is_online)(live_pair.first.pk)


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        (b"https://evil.example.net", False),
        (b"null", False),
        (b"http://localhost:8000", True),
        (b"https://app.kindred.test", True),
        (None, True),
    ],
)
async def test_the_origin_is_checked(live_pair, settings, origin, allowed):
    settings.CORS_ALLOWED_ORIGINS = ["https://app.kindred.test"]
    headers = [(b"origin", origin)] if origin else []
    path = await db(ws_path)(live_pair.first)

    communicator, connected = await open_raw(path, headers)

    assert connected is allowed
    if connected:
        assert (await communicator.receive_json_from(timeout=3))["type"] == "ready"
        await communicator.send_json_to({"type": "ping"})
        assert (await communicator.receive_json_from(timeout=3))["type"] == "pong"
        await communicator.disconnect()


async def test_native_apps_without_origin_can_be_refused_by_setting(live_pair, settings):
    settings.KINDRED_WS_ALLOW_MISSING_ORIGIN = False
    path = await db(ws_path)(live_pair.first)

    _, connected = await open_raw(path)

    assert connected is False


# --- chat.send -----------------------------------------------------------------------------------


async def test_send_acks_the_sender_and_reaches_both_members_on_every_device(live_pair, connect):
    phone = await connect(live_pair.first)
    tablet = await connect(live_pair.first)
    other = await connect(live_pair.second)

    await phone.send(send_frame(live_pair.conversation_id, "Hi Bo!", "cm-1"))

    ack = await phone.receive_type("chat.ack")
    assert ack["client_message_id"] == "cm-1"
    assert ack["created"] is True
    assert ack["message"]["seq"] == 1
    assert ack["message"]["body"] == "Hi Bo!"
    created = {"type": "chat.message_created", "message": ack["message"]}
    assert await phone.receive_type("chat.message_created") == created
    assert await tablet.receive_type("chat.message_created") == created
    assert await other.receive_type("chat.message_created") == created
    stored = await db(Message.objects.get)()
    assert str(stored.id) == ack["message"]["id"]


async def test_a_retried_send_acks_the_first_message_and_broadcasts_nothing(live_pair, connect):
    phone = await connect(live_pair.first)
    other = await connect(live_pair.second)
    await phone.send(send_frame(live_pair.conversation_id, "once", "cm-retry"))
    first_ack = await phone.receive_type("chat.ack")
    await phone.receive_type("chat.message_created")
    await other.receive_type("chat.message_created")

    await phone.send(send_frame(live_pair.conversation_id, "once", "cm-retry"))

    second_ack = await phone.receive_type("chat.ack")
    assert second_ack["created"] is False
    assert second_ack["message"] == first_ack["message"]
    assert await other.nothing()
    assert await db(Message.objects.count)() == 1


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ({"body": ""}, "validation_error"),
        ({"body": "   "}, "validation_error"),
        ({"body": "x" * 4097}, "validation_error"),
        ({"body": "bad \u0007 bell"}, "validation_error"),
        ({"body": {"nested": "object"}}, "validation_error"),
        ({"client_message_id": "has spaces"}, "validation_error"),
        ({"conversation_id": "not-a-uuid"}, "validation_error"),
        ({"conversation_id": str(uuid.uuid4())}, "conversation_not_found"),
    ],
)
async def test_refused_sends_answer_an_error_frame_and_keep_the_socket(
    live_pair, connect, frame, code
):
    socket = await connect(live_pair.first)
    other = await connect(live_pair.second)

    await socket.send(
        {**send_frame(live_pair.conversation_id, client_message_id="cm-bad"), **frame}
    )

    error = await socket.receive_type("error")
    assert error["code"] == code
    assert set(error) == {"type", "code", "message", "extra"}
    assert error["extra"]["frame_type"] == "chat.send"
    assert await db(Message.objects.count)() == 0
    assert await other.nothing()
    await socket.send({"type": "ping"})
    assert await socket.receive_type("pong") == {"type": "pong"}


async def test_a_stranger_cannot_send_into_a_conversation(live_pair, connect):
    stranger = await db(make_user)("Eve")
    socket = await connect(stranger)

    await socket.send(send_frame(live_pair.conversation_id))

    assert (await socket.receive_type("error"))["code"] == "conversation_not_found"
    assert await db(Message.objects.count)() == 0


async def test_send_rate_limit_answers_429_code(live_pair, connect, settings):
    settings.KINDRED_CHAT_SEND_RATE = "1/60"
    socket = await connect(live_pair.first)
    await socket.send(send_frame(live_pair.conversation_id))
    await socket.receive_type("chat.ack")

    await socket.send(send_frame(live_pair.conversation_id))

    error = await socket.receive_type("error")
    assert error["code"] == "rate_limited"
    assert error["extra"]["retry_after"] > 0
    assert await db(Message.objects.count)() == 1


# --- Malformed frames ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("not json", "malformed_frame"),
        ("[1, 2, 3]", "malformed_frame"),
        ('"just a string"', "malformed_frame"),
        ("{}", "malformed_frame"),
        ('{"type": 7}', "malformed_frame"),
        ('{"type": "chat.nope"}', "unknown_frame_type"),
        ('{"type": "realtime.close", "code": 4403}', "unknown_frame_type"),
        ('{"type": "chat.read"}', "validation_error"),
        (
            '{"type": "chat.typing", "conversation_id": "x", "is_typing": "maybe"}',
            "validation_error",
        ),
        ("{" * 5000, "malformed_frame"),
    ],
)
async def test_malformed_frames_get_an_error_frame_and_the_socket_stays_open(
    live_pair, connect, raw, code
):
    socket = await connect(live_pair.first)
    bystander = await connect(live_pair.second)

    await socket.communicator.send_to(text_data=raw)

    error = await socket.receive_type("error")
    assert error["code"] == code
    await socket.send({"type": "ping"})
    assert (await socket.receive_type("pong"))["type"] == "pong"
    await bystander.send({"type": "ping"})
    assert (await bystander.receive_type("pong"))["type"] == "pong"


async def test_binary_and_oversized_frames_are_refused(live_pair, connect, settings):
    settings.KINDRED_WS_MAX_FRAME_BYTES = 1024
    socket = await connect(live_pair.first)

    await socket.communicator.send_to(bytes_data=b"\x00\x01")
    assert (await socket.receive_type("error"))["code"] == "unsupported_frame"
    await socket.send(send_frame(live_pair.conversation_id, "x" * 2000))
    error = await socket.receive_type("error")

    assert error["code"] == "frame_too_large"
    assert error["extra"] == {"max_bytes": 1024}
    assert await db(Message.objects.count)() == 0


async def test_a_flood_of_frames_is_rate_limited_per_socket(live_pair, connect, settings):
    settings.KINDRED_WS_FRAME_RATE = "3/60"
    socket = await connect(live_pair.first)

    for _ in range(4):
        await socket.send({"type": "ping"})

    frames = [await socket.receive_type(kind) for kind in ("pong", "pong", "pong", "error")]
    assert frames[-1]["code"] == "rate_limited"


# --- chat.typing, chat.read, ping --------------------------------------------------------------


async def test_typing_reaches_the_other_member_throttled(live_pair, connect, settings):
    settings.KINDRED_CHAT_TYPING_INTERVAL_SECONDS = 60
    typist = await connect(live_pair.first)
    other = await connect(live_pair.second)
    frame = {"type": "chat.typing", "conversation_id": str(live_pair.conversation_id)}

    await typist.send({**frame, "is_typing": True})
    await typist.send({**frame, "is_typing": True})  # within the interval: dropped
    await typist.send({**frame, "is_typing": False})

    expected = {
        "type": "chat.typing",
        "conversation_id": str(live_pair.conversation_id),
        "user_id": str(live_pair.first.pk),
    }
    assert await other.receive_type("chat.typing") == {**expected, "is_typing": True}
    assert await other.receive_type("chat.typing") == {**expected, "is_typing": False}
    assert await other.nothing()
    assert await typist.nothing()


async def test_typing_into_a_strangers_conversation_is_an_error(live_pair, connect):
    stranger = await connect(await db(make_user)("Eve"))
    other = await connect(live_pair.second)

    await stranger.send(
        {
            "type": "chat.typing",
            "conversation_id": str(live_pair.conversation_id),
            "is_typing": True,
        }
    )

    assert (await stranger.receive_type("error"))["code"] == "conversation_not_found"
    assert await other.nothing()


async def test_read_frames_move_the_pointer_and_reach_both(live_pair, connect):
    reader = await connect(live_pair.first)
    writer = await connect(live_pair.second)
    await writer.send(send_frame(live_pair.conversation_id))
    await writer.receive_type("chat.ack")
    await reader.receive_type("chat.message_created")

    await reader.send(
        {"type": "chat.read", "conversation_id": str(live_pair.conversation_id), "seq": 1}
    )

    read = {
        "type": "chat.read",
        "conversation_id": str(live_pair.conversation_id),
        "user_id": str(live_pair.first.pk),
        "seq": 1,
    }
    assert await reader.receive_type("chat.read") == read
    assert await writer.receive_type("chat.read", timeout=3) == read
    member = await db(ConversationMember.objects.get)(user=live_pair.first)
    assert member.last_read_seq == 1


async def test_read_receipts_off_reach_only_my_own_devices(live_pair, connect):
    await db(ChatPreference.objects.create)(user=live_pair.first, send_read_receipts=False)
    reader = await connect(live_pair.first)
    writer = await connect(live_pair.second)
    await writer.send(send_frame(live_pair.conversation_id))
    await writer.receive_type("chat.ack")

    await reader.send(
        {"type": "chat.read", "conversation_id": str(live_pair.conversation_id), "seq": 1}
    )

    assert (await reader.receive_type("chat.read"))["seq"] == 1
    assert await writer.nothing(ignore=("presence", "chat.message_created"))


# --- Presence ------------------------------------------------------------------------------------


async def test_presence_goes_to_matches_only(live_pair, connect):
    stranger = await db(make_user)("Eve")
    partner = await connect(live_pair.second)
    outsider = await connect(stranger)

    me = await connect(live_pair.first)
    online = await partner.receive_type("presence")
    await me.close()
    offline = await partner.receive_type("presence")

    assert online == {
        "type": "presence",
        "user_id": str(live_pair.first.pk),
        "is_online": True,
        "last_seen_at": None,
    }
    assert offline["is_online"] is False
    assert offline["last_seen_at"].endswith("Z")
    assert await outsider.nothing(ignore=())


async def test_a_second_device_does_not_announce_again(live_pair, connect):
    partner = await connect(live_pair.second)
    await connect(live_pair.first)
    await partner.receive_type("presence")

    second_device = await connect(live_pair.first)
    await second_device.close()

    assert await partner.nothing(ignore=())
    assert await db(is_online)(live_pair.first.pk)


# --- Events from other apps, closing and the conversation path ------------------------------------


async def test_events_of_other_apps_are_forwarded(live_pair, connect):
    socket = await connect(live_pair.first)
    event = {"type": "matching.like_received", "like": {"id": "l1", "user_id": "u2"}}

    await db(send_to_users)([live_pair.first.pk], event)

    assert await socket.receive_type("matching.like_received") == event


async def test_realtime_close_closes_every_socket_of_the_user(live_pair, connect):
    phone = await connect(live_pair.first)
    other = await connect(live_pair.second)

    await get_channel_layer().group_send(
        user_group_name(live_pair.first.pk), {"type": "realtime.close", "code": 4403}
    )

    closing = await phone.communicator.receive_output(timeout=3)
    while closing["type"] != "websocket.close":
        closing = await phone.communicator.receive_output(timeout=3)
    assert closing["code"] == 4403
    await other.send({"type": "ping"})
    assert (await other.receive_type("pong"))["type"] == "pong"


async def test_unmatch_closes_the_path_for_both_at_once(live_pair, connect):
    first = await connect(live_pair.first)
    second = await connect(live_pair.second)

    await db(match_unmatch)(user=live_pair.second, match_id=live_pair.match.pk)

    closed = {"type": "chat.conversation_closed", "conversation_id": str(live_pair.conversation_id)}
    assert await first.receive_type("chat.conversation_closed") == closed
    assert await second.receive_type("chat.conversation_closed") == closed
    await first.send(send_frame(live_pair.conversation_id))
    assert (await first.receive_type("error"))["code"] == "conversation_not_found"
    await first.send(
        {
            "type": "chat.typing",
            "conversation_id": str(live_pair.conversation_id),
            "is_typing": True,
        }
    )
    assert (await first.receive_type("error"))["code"] == "conversation_not_found"
    assert await db(Message.objects.count)() == 0


async def test_a_block_closes_the_path(live_pair, connect):
    first = await connect(live_pair.first)

    await db(block_create)(blocker=live_pair.second, user_id=live_pair.first.pk)

    await first.receive_type("chat.conversation_closed")
    await first.send(send_frame(live_pair.conversation_id))
    assert (await first.receive_type("error"))["code"] == "conversation_not_found"


async def test_disconnecting_ends_presence(live_pair, connect):
    socket = await connect(live_pair.first)
    assert await db(is_online)(live_pair.first.pk)

    await socket.close()

    assert not await db(is_online)(live_pair.first.pk)


async def test_presence_of_a_crashed_server_expires(live_pair, settings):
    settings.KINDRED_PRESENCE_TTL_SECONDS = 1
    await db(presence_connect)(live_pair.first.pk, "crashed-server-socket")
    assert await db(is_online)(live_pair.first.pk)

    await asyncio.sleep(1.2)

    assert not await db(is_online)(live_pair.first.pk)


async def test_many_matches_do_not_leak_events_between_conversations(live_pair, connect):
    third = await db(make_user)("Cy")
    await db(make_match)(live_pair.first, third)
    other = await connect(live_pair.second)
    outsider = await connect(third)
    sender = await connect(live_pair.first)

    await sender.send(send_frame(live_pair.conversation_id, "for Bo only"))

    assert (await other.receive_type("chat.message_created"))["message"]["body"] == "for Bo only"
    assert await outsider.nothing()
