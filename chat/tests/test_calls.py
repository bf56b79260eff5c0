"""Call signalling over the socket, and the call rules (missed calls, races) as services."""

import base64
import hashlib
import hmac
import time

import pytest
from channels.db import database_sync_to_async

from chat.calls import call_accept, call_invite, call_ring_timeout
from chat.models import ChatPreference, Message, MessageKind
from chat.tasks import call_ring_timeout_task
from chat.tests.factories import make_user
from core.exceptions import NotFound, PermissionDenied
from core.testing import run_in_threads
from matching.services import match_unmatch

db = database_sync_to_async

SDP_OFFER = (
    "v=0\r\no=- 46117317 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
)
SDP_ANSWER = (
    "v=0\r\no=- 99 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
)
CANDIDATE = {
    "candidate": "candidate:842163049 1 udp 1677729535 203.0.113.5 46154 typ srflx",
    "sdpMid": "0",
    "sdpMLineIndex": 0,
}


async def _ring(pair, caller, *callee_devices, media="video"):
    await caller.send(
        {"type": "call.invite", "conversation_id": str(pair.conversation_id), "media": media}
    )
    ringing = await caller.receive_type("call.ringing")
    invites = [await device.receive_type("call.invite") for device in callee_devices]
    return ringing, invites


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_full_call_is_relayed_only_between_the_two_sockets(live_pair, connect, settings):
    settings.KINDRED_CALL_STUN_URLS = ["stun:stun.kindred.test:3478"]
    caller = await connect(live_pair.first)
    callee_phone = await connect(live_pair.second)
    callee_tablet = await connect(live_pair.second)

    ringing, (invite, tablet_invite) = await _ring(live_pair, caller, callee_phone, callee_tablet)

    call_id = ringing["call_id"]
    assert ringing["ice_servers"] == [{"urls": ["stun:stun.kindred.test:3478"]}]
    assert ringing["to_user_id"] == str(live_pair.second.pk)
    assert invite == tablet_invite
    assert invite["call_id"] == call_id
    assert invite["media"] == "video"
    assert invite["from_user_id"] == str(live_pair.first.pk)
    assert invite["ice_servers"] == [{"urls": ["stun:stun.kindred.test:3478"]}]

    await callee_phone.send({"type": "call.accept", "call_id": call_id})
    accepted = await caller.receive_type("call.accept")
    assert accepted["user_id"] == str(live_pair.second.pk)
    assert (await callee_tablet.receive_type("call.accept"))["call_id"] == call_id  # stop ringing

    await caller.send({"type": "call.offer", "call_id": call_id, "sdp": SDP_OFFER})
    offer = await callee_phone.receive_type("call.offer")
    assert (offer["sdp"], offer["from_user_id"]) == (SDP_OFFER, str(live_pair.first.pk))

    await callee_phone.send({"type": "call.answer", "call_id": call_id, "sdp": SDP_ANSWER})
    assert (await caller.receive_type("call.answer"))["sdp"] == SDP_ANSWER

    await caller.send({"type": "call.ice_candidate", "call_id": call_id, "candidate": CANDIDATE})
    assert (await callee_phone.receive_type("call.ice_candidate"))["candidate"] == CANDIDATE
    await callee_phone.send(
        {"type": "call.ice_candidate", "call_id": call_id, "candidate": CANDIDATE}
    )
    assert (await caller.receive_type("call.ice_candidate"))["call_id"] == call_id

    assert await callee_tablet.nothing(ignore=("presence", "call.accept"))

    await caller.send({"type": "call.hangup", "call_id": call_id})
    hangup = await callee_phone.receive_type("call.hangup")
    assert (hangup["reason"], hangup["user_id"]) == ("hangup", str(live_pair.first.pk))
    await caller.receive_type("call.hangup")

    await caller.send({"type": "call.offer", "call_id": call_id, "sdp": SDP_OFFER})
    assert (await caller.receive_type("error"))["code"] == "call_not_found"
    assert await db(Message.objects.count)() == 0  # an answered call leaves no message


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_call_is_refused_when_either_person_turned_calls_off(live_pair, connect):
    await db(ChatPreference.objects.create)(user=live_pair.second, allow_calls=False)
    caller = await connect(live_pair.first)
    callee = await connect(live_pair.second)

    await caller.send({"type": "call.invite", "conversation_id": str(live_pair.conversation_id)})

    error = await caller.receive_type("error")
    assert (error["code"], error["extra"]["by"]) == ("calls_disabled", "them")
    assert await callee.nothing()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_strangers_cannot_call_or_join_a_call(live_pair, connect):
    stranger = await connect(await db(make_user)("Eve"))
    caller = await connect(live_pair.first)
    callee = await connect(live_pair.second)
    await stranger.send({"type": "call.invite", "conversation_id": str(live_pair.conversation_id)})
    assert (await stranger.receive_type("error"))["code"] == "conversation_not_found"

    ringing, _ = await _ring(live_pair, caller, callee)
    for frame_type in ("call.accept", "call.decline", "call.hangup"):
        await stranger.send({"type": frame_type, "call_id": ringing["call_id"]})
        assert (await stranger.receive_type("error"))["code"] == "call_not_found"
    await stranger.send({"type": "call.offer", "call_id": ringing["call_id"], "sdp": SDP_OFFER})
    assert (await stranger.receive_type("error"))["code"] == "call_not_found"
    assert await callee.nothing()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_signalling_before_accept_and_a_second_invite_are_refused(live_pair, connect):
    caller = await connect(live_pair.first)
    callee = await connect(live_pair.second)
    ringing, _ = await _ring(live_pair, caller, callee)

    await caller.send({"type": "call.offer", "call_id": ringing["call_id"], "sdp": SDP_OFFER})
    assert (await caller.receive_type("error"))["code"] == "call_not_active"
    await callee.send({"type": "call.invite", "conversation_id": str(live_pair.conversation_id)})
    assert (await callee.receive_type("error"))["code"] == "call_in_progress"
    await caller.send({"type": "call.accept", "call_id": ringing["call_id"]})  # not the callee
    assert (await caller.receive_type("error"))["code"] == "call_not_found"


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_declined_call_leaves_no_message(live_pair, connect):
    caller = await connect(live_pair.first)
    callee = await connect(live_pair.second)
    ringing, _ = await _ring(live_pair, caller, callee)

    await callee.send({"type": "call.decline", "call_id": ringing["call_id"]})

    declined = await caller.receive_type("call.decline")
    assert declined["user_id"] == str(live_pair.second.pk)
    assert await caller.nothing(ignore=("presence", "call.decline"))
    assert await db(Message.objects.count)() == 0


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_hanging_up_before_an_answer_leaves_a_missed_call(live_pair, connect):
    caller = await connect(live_pair.first)
    callee = await connect(live_pair.second)
    ringing, _ = await _ring(live_pair, caller, callee, media="audio")

    await caller.send({"type": "call.hangup", "call_id": ringing["call_id"]})

    assert (await callee.receive_type("call.hangup"))["reason"] == "cancelled"
    created = await callee.receive_type("chat.message_created")
    message = created["message"]
    assert (message["kind"], message["body"], message["sender_id"], message["seq"]) == (
        "system",
        "Missed call",
        None,
        1,
    )
    assert message["data"] == {
        "event": "missed_call",
        "call_id": ringing["call_id"],
        "caller_id": str(live_pair.first.pk),
        "media": "audio",
    }
    assert (await caller.receive_type("chat.message_created"))["message"] == message


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_callers_socket_dropping_while_ringing_is_a_missed_call(live_pair, connect):
    caller = await connect(live_pair.first)
    callee = await connect(live_pair.second)
    await _ring(live_pair, caller, callee)

    await caller.close()

    assert (await callee.receive_type("call.hangup"))["reason"] == "connection_lost"
    assert (await callee.receive_type("chat.message_created"))["message"]["kind"] == "system"


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_dropped_socket_ends_a_running_call(live_pair, connect):
    caller = await connect(live_pair.first)
    callee = await connect(live_pair.second)
    ringing, _ = await _ring(live_pair, caller, callee)
    await callee.send({"type": "call.accept", "call_id": ringing["call_id"]})
    await caller.receive_type("call.accept")

    await callee.close()

    hangup = await caller.receive_type("call.hangup")
    assert (hangup["reason"], hangup["user_id"]) == ("connection_lost", str(live_pair.second.pk))
    assert await db(Message.objects.count)() == 0


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_unmatch_ends_the_call_and_its_signalling(live_pair, connect):
    caller = await connect(live_pair.first)
    callee = await connect(live_pair.second)
    ringing, _ = await _ring(live_pair, caller, callee)
    await callee.send({"type": "call.accept", "call_id": ringing["call_id"]})
    await caller.receive_type("call.accept")

    await db(match_unmatch)(user=live_pair.second, match_id=live_pair.match.pk)

    assert (await caller.receive_type("call.hangup"))["reason"] == "conversation_closed"
    await caller.send(
        {"type": "call.ice_candidate", "call_id": ringing["call_id"], "candidate": CANDIDATE}
    )
    assert (await caller.receive_type("error"))["code"] == "call_not_found"
    assert await callee.nothing(
        ignore=(
            "presence",
            "call.accept",
            "call.hangup",
            "chat.conversation_closed",
            "matching.match_ended",
        )
    )


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_call_frames_are_validated(live_pair, connect):
    caller = await connect(live_pair.first)

    for frame in (
        {
            "type": "call.invite",
            "conversation_id": str(live_pair.conversation_id),
            "media": "hologram",
        },
        {"type": "call.accept", "call_id": "nope"},
        {"type": "call.offer", "call_id": "00000000-0000-0000-0000-000000000000"},
        {
            "type": "call.ice_candidate",
            "call_id": "00000000-0000-0000-0000-000000000000",
            "candidate": "x",
        },
    ):
        await caller.send(frame)
        error = await caller.receive_type("error")
        assert error["code"] == "validation_error", frame
        assert error["extra"]["frame_type"] == frame["type"]


# --- Services: timeouts, races, TURN credentials ----------------------------------------------


def _invite(pair, channel="test-channel"):
    return call_invite(
        caller=pair.first, conversation_id=pair.match.pk, media="audio", channel_name=channel
    ).call


@pytest.mark.django_db
def test_an_unanswered_invite_becomes_a_missed_call_once(
    pair, socket_of, django_capture_on_commit_callbacks
):
    call = _invite(pair)
    listener = socket_of(pair.second.pk)

    with django_capture_on_commit_callbacks(execute=True):
        assert call_ring_timeout_task(call.id) is True
        assert call_ring_timeout_task(call.id) is False

    message = Message.objects.get()
    assert (message.kind, message.data["event"], message.data["call_id"]) == (
        MessageKind.SYSTEM,
        "missed_call",
        call.id,
    )
    assert listener.types() == ["call.hangup", "chat.message_created"]
    with pytest.raises(NotFound):
        call_accept(user=pair.second, call_id=call.id, channel_name="late")


@pytest.mark.django_db
def test_an_answered_call_never_times_out(pair):
    call = _invite(pair)
    call_accept(user=pair.second, call_id=call.id, channel_name="phone")

    assert call_ring_timeout(call_id=call.id) is False
    assert Message.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_accept_racing_the_ring_timeout_has_one_outcome(make_pair_sync):
    pair = make_pair_sync()
    for _ in range(5):
        call = _invite(pair)
        actions = iter(["accept", "timeout"])

        def act(call_id=call.id, actions=actions):
            if next(actions) == "accept":
                try:
                    call_accept(user=pair.second, call_id=call_id, channel_name="phone")
                    return "accepted"
                except NotFound:
                    return "too late"
            return "missed" if call_ring_timeout(call_id=call_id) else "no-op"

        outcomes = sorted(run_in_threads(act, 2))
        assert outcomes in (["accepted", "no-op"], ["missed", "too late"])
        missed = Message.objects.filter(data__call_id=call.id).count()
        assert missed == (1 if "missed" in outcomes else 0)
        if "accepted" in outcomes:
            from chat.calls import call_hangup

            call_hangup(user=pair.first, call_id=call.id)


@pytest.mark.django_db
def test_turn_credentials_are_minted_per_call(pair, settings):
    settings.KINDRED_CALL_TURN_URLS = ["turn:turn.kindred.test:3478?transport=udp"]
    settings.KINDRED_CALL_TURN_SECRET = "shared-turn-secret"
    settings.KINDRED_CALL_TURN_TTL_SECONDS = 600

    result = call_invite(
        caller=pair.first, conversation_id=pair.match.pk, media="audio", channel_name="c"
    )

    (turn,) = result.ice_servers
    expires, user_id = turn["username"].split(":")
    assert user_id == str(pair.first.pk)
    assert 0 < int(expires) - time.time() <= 600
    expected = hmac.new(b"shared-turn-secret", turn["username"].encode(), hashlib.sha1).digest()
    assert turn["credential"] == base64.b64encode(expected).decode()
    assert turn["urls"] == ["turn:turn.kindred.test:3478?transport=udp"]


@pytest.mark.django_db
def test_the_caller_with_calls_off_cannot_call(pair):
    ChatPreference.objects.create(user=pair.first, allow_calls=False)

    with pytest.raises(PermissionDenied) as error:
        _invite(pair)

    assert error.value.extra == {"by": "you"}
