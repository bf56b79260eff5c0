from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.tests.factories import UserFactory
from chat.models import (
    ChatFlag,
    ChatPreference,
    Conversation,
    ConversationMember,
    Message,
    MessageKind,
    SendWindow,
)
from chat.services import (
    OpenerCopied,
    chat_preference_update,
    conversation_mark_read,
    message_create_system,
)
from chat.tests.factories import client_id, make_match, make_user, send
from core.exceptions import Conflict, NotFound, PermissionDenied, RateLimited, ValidationFailed
from core.testing import run_in_threads
from matching.models import Match, MatchState
from matching.services import match_unmatch
from matching.summaries import match_summaries
from moderation.models import Block
from moderation.services import block_create
from notifications.models import Notification

pytestmark = pytest.mark.django_db


# --- Conversations follow matches ------------------------------------------------------------


def test_match_created_opens_the_conversation_with_both_members(pair):
    conversation = Conversation.objects.get(pk=pair.match.pk)

    members = set(conversation.members.values_list("user_id", flat=True))
    assert members == {pair.first.pk, pair.second.pk}
    assert (conversation.last_seq, conversation.closed_at) == (0, None)


def test_unmatch_closes_the_conversation_and_tells_both(
    pair, socket_of, django_capture_on_commit_callbacks
):
    first_socket, second_socket = socket_of(pair.first.pk), socket_of(pair.second.pk)

    with django_capture_on_commit_callbacks(execute=True):
        match_unmatch(user=pair.first, match_id=pair.match.pk)

    assert Conversation.objects.get(pk=pair.match.pk).closed_at is not None
    closed = {"type": "chat.conversation_closed", "conversation_id": str(pair.match.pk)}
    assert closed in first_socket.events()
    assert closed in second_socket.events()
    with pytest.raises(NotFound):
        send(pair.first, pair.match)
    assert Message.objects.count() == 0


def test_a_block_stops_sending_at_once(pair):
    # A block row alone (before matching ends the match) already refuses the send.
    Block.objects.create(blocker=pair.second, blocked=pair.first)

    with pytest.raises(NotFound):
        send(pair.first, pair.match)
    assert Message.objects.count() == 0


def test_block_through_moderation_closes_the_conversation(pair):
    block_create(blocker=pair.second, user_id=pair.first.pk)

    assert Conversation.objects.get(pk=pair.match.pk).closed_at is not None
    with pytest.raises(NotFound):
        send(pair.second, pair.match)


# --- Sending ---------------------------------------------------------------------------------


def test_messages_get_consecutive_seqs_from_both_members(pair):
    seqs = [
        send(pair.first, pair.match).message.seq,
        send(pair.second, pair.match).message.seq,
        send(pair.first, pair.match).message.seq,
    ]

    assert seqs == [1, 2, 3]
    assert Conversation.objects.get(pk=pair.match.pk).last_seq == 3


def test_a_reply_is_stored_in_one_statement_that_commits_on_its_own(live_pair):
    # Outside a transaction (as the socket and REST views call it), a message that is not
    # the sender's first here needs no second look: one statement numbers it, stores it and
    # moves the match's activity, and commits by itself.
    send(live_pair.first, live_pair.match, body="opener")  # openers take the full path
    Match.objects.filter(pk=live_pair.match.pk).update(
        state=MatchState.ARCHIVED, last_activity_at=timezone.now() - timedelta(days=9)
    )

    with CaptureQueriesContext(connection) as queries:
        result = send(live_pair.first, live_pair.match, body="are you free on Sunday?")

    stored = [query["sql"] for query in queries if "notifications_" not in query["sql"]]
    assert len(stored) == 1, stored  # (the offline recipient's notification comes after)
    assert (result.created, result.message.seq) == (True, 2)
    # Committed: another connection sees the message, the seq and the revived match.
    seen = run_in_threads(
        lambda: (
            Message.objects.get(pk=result.message.pk).body,
            Conversation.objects.get(pk=live_pair.match.pk).last_seq,
            Match.objects.values_list("state", "last_activity_at").get(pk=live_pair.match.pk),
        ),
        1,
    )
    assert seen[0][:2] == ("are you free on Sunday?", 2)
    assert seen[0][2] == (MatchState.ACTIVE, result.message.created_at)


@pytest.mark.django_db(transaction=True)
def test_a_reply_and_its_retry_racing_store_one_message_on_the_one_statement_path(live_pair):
    send(live_pair.second, live_pair.match, body="hi!")
    send(live_pair.first, live_pair.match, body="hey")  # both past their openers

    results = run_in_threads(
        lambda: send(live_pair.first, live_pair.match, body="dinner?", client_message_id="r-1"),
        6,
    )

    assert sorted(result.created for result in results) == [False] * 5 + [True]
    assert len({result.message.pk for result in results}) == 1
    assert list(
        Message.objects.filter(conversation_id=live_pair.match.pk).values_list("seq", flat=True)
    ) == [1, 2, 3]


def test_send_broadcasts_to_both_after_commit_and_notifies_the_recipient(
    pair, socket_of, django_capture_on_commit_callbacks
):
    first_socket, second_socket = socket_of(pair.first.pk), socket_of(pair.second.pk)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = send(pair.first, pair.match, body="Hi Bo, how was the hike?")
        assert first_socket.events() == []
        assert second_socket.events() == []
    for callback in callbacks:
        callback()

    created = {
        "type": "chat.message_created",
        "message": {
            "id": str(result.message.id),
            "conversation_id": str(pair.match.pk),
            "sender_id": str(pair.first.pk),
            "seq": 1,
            "kind": "text",
            "body": "Hi Bo, how was the hike?",
            "client_message_id": result.message.client_message_id,
            "data": {},
            "created_at": result.message.created_at.isoformat().replace("+00:00", "Z"),
        },
    }
    assert first_socket.events() == [created]
    assert second_socket.events() == [created]
    notification = Notification.objects.get()
    assert (notification.user_id, notification.kind, notification.title) == (
        pair.second.pk,
        "message_received",
        "Alex",
    )
    assert notification.collapse_key == f"conversation:{pair.match.pk}"
    assert notification.data["seq"] == 1


def test_send_moves_the_match_activity_and_revives_an_archived_match(pair):
    Match.objects.filter(pk=pair.match.pk).update(
        state=MatchState.ARCHIVED, last_activity_at=timezone.now() - timedelta(days=30)
    )

    message = send(pair.first, pair.match).message

    match = Match.objects.get(pk=pair.match.pk)
    assert match.state == MatchState.ACTIVE
    assert match.last_activity_at == message.created_at


def test_a_retried_send_returns_the_first_message(
    pair, socket_of, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = send(pair.first, pair.match, body="first", client_message_id="retry-1")
    listener = socket_of(pair.second.pk)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = send(pair.first, pair.match, body="first", client_message_id="retry-1")

    assert (again.created, again.message.id, first.created) == (False, first.message.id, True)
    assert Message.objects.count() == 1
    assert callbacks == []
    assert listener.events() == []
    assert Notification.objects.count() == 1


def test_a_client_message_id_from_another_conversation_is_a_conflict(pair):
    other = make_match(pair.first, make_user("Cy"))
    send(pair.first, pair.match, client_message_id="same-id")

    with pytest.raises(Conflict) as error:
        send(pair.first, other, client_message_id="same-id")

    assert error.value.code == "client_message_id_reused"
    assert Message.objects.filter(conversation_id=other.pk).count() == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_sends_get_distinct_gapless_seqs(make_pair_sync):
    pair = make_pair_sync()
    senders = iter([pair.first, pair.second] * 4)

    def one_send():
        return send(next(senders), pair.match, client_message_id=client_id()).message.seq

    seqs = run_in_threads(one_send, 8)

    assert sorted(seqs) == list(range(1, 9))
    assert Conversation.objects.get(pk=pair.match.pk).last_seq == 8


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_of_one_send_store_one_message(make_pair_sync):
    pair = make_pair_sync()

    results = run_in_threads(
        lambda: send(pair.first, pair.match, body="once", client_message_id="race-1"), 4
    )

    assert Message.objects.count() == 1
    assert len({result.message.id for result in results}) == 1
    assert sorted(result.created for result in results) == [False, False, False, True]
    assert Conversation.objects.get(pk=pair.match.pk).last_seq == 1


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("", "blank"),
        ("   \n\t ", "blank"),
        ("\u200b\u200d", "blank"),
        ("x" * 4097, "too_long"),
        ("null \x00 byte", "control_character"),
        ("bell \x07", "control_character"),
        ("escape \x1b[31m", "control_character"),
        ("lone \ud800 surrogate", "invalid_character"),
        (12, "invalid_type"),
    ],
)
def test_invalid_text_is_refused_and_nothing_is_stored(pair, body, reason):
    with pytest.raises(ValidationFailed) as error:
        send(pair.first, pair.match, body=body)

    assert error.value.code == "validation_error"
    assert error.value.extra["reason"] == reason
    assert "body" in error.value.extra["fields"]
    assert Message.objects.count() == 0
    assert Conversation.objects.get(pk=pair.match.pk).last_seq == 0


@pytest.mark.parametrize(
    ("body", "stored"),
    [
        ("line one\nline two\tand a tab", "line one\nline two\tand a tab"),
        ("  trimmed  ", "trimmed"),
        ("windows\r\nline", "windows\nline"),
        ("x" * 4096, "x" * 4096),
        ("😀", "😀"),
    ],
)
def test_valid_text_is_stored(pair, body, stored):
    assert send(pair.first, pair.match, body=body).message.body == stored


def test_only_members_may_send(pair):
    stranger = make_user("Eve")

    with pytest.raises(NotFound):
        send(stranger, pair.match)
    assert Message.objects.count() == 0


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"banned_at": timezone.now()}, "account_banned"),
        ({"suspended_until": timezone.now() + timedelta(days=1)}, "account_suspended"),
        ({"is_active": False}, "account_inactive"),
    ],
)
def test_a_restricted_sender_is_refused(pair, fields, code):
    type(pair.first).objects.filter(pk=pair.first.pk).update(**fields)

    with pytest.raises(PermissionDenied) as error:
        send(pair.first, pair.match)

    assert error.value.code == code
    assert Message.objects.count() == 0


@pytest.mark.parametrize("fields", [{"banned_at": timezone.now()}, {"is_active": False}])
def test_nobody_can_write_to_a_banned_or_deleted_person(pair, fields):
    type(pair.second).objects.filter(pk=pair.second.pk).update(**fields)

    with pytest.raises(NotFound):
        send(pair.first, pair.match)
    assert Message.objects.count() == 0


# --- First-message rules ---------------------------------------------------------------------

OPENER = "I love that you hike every weekend, which trail is your favourite?"


def test_an_opener_copied_to_another_person_is_refused_and_flagged(pair):
    other = make_match(pair.first, make_user("Cy"))
    send(pair.first, pair.match, body=OPENER)

    with pytest.raises(OpenerCopied) as error:
        send(
            pair.first,
            other,
            body="i LOVE that you hike every weekend — which trail is your favourite",
        )

    assert error.value.code == "opener_copied"
    assert Message.objects.filter(conversation_id=other.pk).count() == 0
    flag = ChatFlag.objects.get()
    assert (flag.user_id, flag.conversation_id, flag.reason) == (
        pair.first.pk,
        other.pk,
        "copied_opener",
    )
    assert flag.details["copies"] == 1


def test_short_greetings_and_later_messages_may_repeat(pair):
    other = make_match(pair.first, make_user("Cy"))
    send(pair.first, pair.match, body="Hi there!")
    send(pair.first, other, body="hi there")
    send(pair.first, pair.match, body=OPENER)

    send(pair.first, other, body=OPENER)  # not an opener in `other` any more

    assert ChatFlag.objects.count() == 0


def test_an_old_opener_may_be_used_again_after_the_window(pair, settings):
    other = make_match(pair.first, make_user("Cy"))
    first = send(pair.first, pair.match, body=OPENER).message
    Message.objects.filter(pk=first.pk).update(
        created_at=timezone.now() - timedelta(hours=settings.KINDRED_CHAT_OPENER_WINDOW_HOURS + 1)
    )

    assert send(pair.first, other, body=OPENER).created


def test_copies_up_to_the_setting_are_tolerated(pair, settings):
    settings.KINDRED_CHAT_OPENER_MAX_COPIES = 1
    second, third = make_match(pair.first, make_user("Cy")), make_match(pair.first, make_user("Di"))
    send(pair.first, pair.match, body=OPENER)
    send(pair.first, second, body=OPENER)

    with pytest.raises(OpenerCopied):
        send(pair.first, third, body=OPENER)


def test_sending_is_rate_limited(pair, settings):
    settings.KINDRED_CHAT_SEND_RATE = "2/60"
    send(pair.first, pair.match)
    send(pair.first, pair.match)

    with pytest.raises(RateLimited) as error:
        send(pair.first, pair.match)

    assert error.value.code == "rate_limited"
    assert 0 < error.value.retry_after <= 60
    assert Message.objects.count() == 2


def test_the_send_window_counts_every_attempt_and_a_new_one_starts_when_it_ends(pair, settings):
    settings.KINDRED_CHAT_SEND_RATE = "2/60"
    send(pair.first, pair.match)
    with pytest.raises(NotFound):  # refused sends count too
        send(pair.first, make_match(make_user("Cy"), make_user("Di")))
    with pytest.raises(RateLimited):
        send(pair.first, pair.match)
    assert SendWindow.objects.get(user=pair.first).sent == 3

    # The window began 61 s ago: it has ended, and the next send opens a new one.
    SendWindow.objects.filter(user=pair.first).update(
        started_at=timezone.now() - timedelta(seconds=61)
    )
    assert send(pair.first, pair.match).created
    window = SendWindow.objects.get(user=pair.first)
    assert window.sent == 1
    assert timezone.now() - window.started_at < timedelta(seconds=5)
    # Another person's window is their own.
    assert send(pair.second, pair.match).created


def test_opening_conversations_is_rate_limited(pair, settings):
    settings.KINDRED_CHAT_OPENER_RATE = "1/86400"
    other = make_match(pair.first, make_user("Cy"))
    send(pair.first, pair.match, body="first opener here")

    with pytest.raises(RateLimited) as error:
        send(pair.first, other, body="another opener")

    assert error.value.code == "opener_rate_limited"
    assert Message.objects.filter(conversation_id=other.pk).count() == 0


# --- Read state ------------------------------------------------------------------------------


def test_reading_moves_forward_only_and_tells_both(
    pair, socket_of, django_capture_on_commit_callbacks
):
    for _ in range(3):
        send(pair.second, pair.match)
    reader_socket, sender_socket = socket_of(pair.first.pk), socket_of(pair.second.pk)

    with django_capture_on_commit_callbacks(execute=True):
        result = conversation_mark_read(user=pair.first, conversation_id=pair.match.pk, seq=2)
        again = conversation_mark_read(user=pair.first, conversation_id=pair.match.pk, seq=1)

    assert (result.last_read_seq, result.moved) == (2, True)
    assert (again.last_read_seq, again.moved) == (2, False)
    read = {
        "type": "chat.read",
        "conversation_id": str(pair.match.pk),
        "user_id": str(pair.first.pk),
        "seq": 2,
    }
    assert reader_socket.events() == [read]
    assert sender_socket.events() == [read]


def test_read_receipts_off_keeps_the_read_pointer_private(
    pair, socket_of, django_capture_on_commit_callbacks
):
    chat_preference_update(user=pair.first, send_read_receipts=False)
    send(pair.second, pair.match)
    reader_socket, sender_socket = socket_of(pair.first.pk), socket_of(pair.second.pk)

    with django_capture_on_commit_callbacks(execute=True):
        conversation_mark_read(user=pair.first, conversation_id=pair.match.pk, seq=1)

    assert reader_socket.types() == ["chat.read"]
    assert sender_socket.events() == []
    assert ConversationMember.objects.get(user=pair.first).last_read_seq == 1


def test_reading_beyond_the_newest_message_is_refused(pair):
    send(pair.second, pair.match)

    with pytest.raises(ValidationFailed) as error:
        conversation_mark_read(user=pair.first, conversation_id=pair.match.pk, seq=5)

    assert error.value.code == "seq_out_of_range"
    assert ConversationMember.objects.get(user=pair.first).last_read_seq == 0


def test_strangers_cannot_mark_read(pair):
    with pytest.raises(NotFound):
        conversation_mark_read(user=UserFactory(), conversation_id=pair.match.pk, seq=0)


# --- System messages and the match list ----------------------------------------------------


def test_a_system_message_takes_the_next_seq_for_both(
    pair, socket_of, django_capture_on_commit_callbacks
):
    send(pair.first, pair.match)
    listener = socket_of(pair.second.pk)

    with django_capture_on_commit_callbacks(execute=True):
        message = message_create_system(
            conversation_id=pair.match.pk, body="Missed call", data={"event": "missed_call"}
        )

    assert message is not None
    assert (message.seq, message.kind, message.sender_id) == (2, MessageKind.SYSTEM, None)
    assert listener.events()[0]["message"]["kind"] == "system"


def test_no_system_message_in_a_closed_conversation(pair):
    match_unmatch(user=pair.first, match_id=pair.match.pk)

    assert message_create_system(conversation_id=pair.match.pk, body="Missed call", data={}) is None
    assert Message.objects.count() == 0


def _matches_with_messages(viewer, count):
    ids = []
    for index in range(count):
        match = make_match(viewer, make_user(f"P{index}"))
        other = UserFactory._meta.model.objects.get(pk=match.other_user_id(viewer.pk))
        send(other, match, body=f"hello {index}")
        send(other, match, body=f"are you there {index}?")
        ids.append(match.pk)
    return ids


@pytest.mark.parametrize("count", [1, 50])
def test_match_summaries_give_last_message_and_unread_count_in_two_queries(count):
    viewer = make_user("Viewer")
    ids = _matches_with_messages(viewer, count)
    conversation_mark_read(user=viewer, conversation_id=ids[0], seq=1)

    with CaptureQueriesContext(connection) as queries:
        summaries = match_summaries(viewer.pk, ids)

    assert len(queries) == 2
    assert summaries[ids[0]].unread_count == 1
    assert summaries[ids[-1]].unread_count == (2 if count > 1 else 1)
    assert summaries[ids[0]].last_message["body"] == "are you there 0?"
    assert summaries[ids[0]].last_message_at is not None


def test_chat_preferences_default_and_update(user):
    preference = chat_preference_update(user=user, allow_calls=False)

    assert (preference.send_read_receipts, preference.allow_calls) == (True, False)
    stored = ChatPreference.objects.get(user=user)
    assert (stored.send_read_receipts, stored.allow_calls) == (True, False)
