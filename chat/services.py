"""Writes of chat: conversations follow their match; messages are numbered, idempotent and
broadcast after commit, whether they come over REST or the socket (DESIGN.md §6–7).

Lock order, the same as matching's: the match row first (`FOR NO KEY UPDATE`), then the
conversation row. A send that races an unmatch either commits before the match ends or
finds it ended; it never slips in after `chat.conversation_closed`.
"""

import contextlib
import functools
import logging
import math
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from redis.exceptions import RedisError

from accounts.models import User
from chat import events
from chat.models import (
    ChatFlag,
    ChatPreference,
    Conversation,
    ConversationMember,
    FlagReason,
    Message,
    MessageKind,
    SendWindow,
)
from chat.text import clean_message_body, opener_fingerprint, opener_key
from core.exceptions import ApplicationError, Conflict, NotFound, PermissionDenied, RateLimited
from core.ratelimit import Rate, hit
from matching.models import OPEN_MATCH_STATES, Match
from matching.services import match_record_activity_parameters, match_record_activity_sql
from moderation.models import Block
from notifications.models import NotificationKind
from notifications.services import notify
from profiles.models import Profile

logger = logging.getLogger(__name__)

NOTIFICATION_PREVIEW_LENGTH = 120


class OpenerCopied(ApplicationError):
    status_code = 400
    default_code = "opener_copied"
    default_message = (
        "This first message repeats one you recently sent to other people. Write something "
        "personal instead."
    )


# --- Conversations follow their match -----------------------------------------------------


def conversation_open_for_match(*, match: Match) -> Conversation:
    """Create the conversation of a new match and its two member rows, in the caller's
    transaction (matching's `match_created`). Idempotent."""
    conversation, _ = Conversation.objects.get_or_create(
        match=match, defaults={"last_activity_at": match.created_at or timezone.now()}
    )
    ConversationMember.objects.bulk_create(
        [
            ConversationMember(conversation=conversation, user_id=match.user_low_id),
            ConversationMember(conversation=conversation, user_id=match.user_high_id),
        ],
        ignore_conflicts=True,
    )
    return conversation


def conversation_close_for_match(*, match: Match) -> None:
    """Close the conversation of an ended match at once, in the caller's transaction
    (matching's `match_ended`): sends are refused from now on, and both members' sockets
    get `chat.conversation_closed` after commit. Idempotent."""
    from chat.calls import call_end_for_conversation_on_commit

    updated = Conversation.objects.filter(pk=match.pk, closed_at__isnull=True).update(
        closed_at=timezone.now()
    )
    if updated:
        members = [match.user_low_id, match.user_high_id]
        events.conversation_closed_on_commit(conversation_id=match.pk, member_ids=members)
        call_end_for_conversation_on_commit(conversation_id=match.pk, member_ids=members)


# --- Messages ------------------------------------------------------------------------------


@dataclass(frozen=True)
class MessageSendResult:
    message: Message
    # False when a retry found the message its client_message_id already made.
    created: bool


@dataclass(frozen=True)
class _SendContext:
    match_id: UUID
    recipient_id: UUID
    is_opener: bool
    sender_name: str
    # The message an earlier send with the same client_message_id made, if any.
    retry_of: UUID | None


class _CopiedOpenerFound(Exception):
    """Raised inside the send transaction so that it rolls back; the flag is written after."""

    def __init__(self, copies: int) -> None:
        self.copies = copies


def _rate_limit(scope: str, user_id: UUID, rate_text: str, code: str) -> None:
    """Count one attempt; a Redis outage lets sends through (they must still commit)."""
    try:
        decision = hit(scope, str(user_id), Rate.parse(rate_text))
    except RedisError:
        logger.warning("chat rate limit %s skipped: Redis unavailable", scope, exc_info=True)
        return
    if not decision.is_allowed:
        raise RateLimited(
            "You are sending messages too fast." if code == "rate_limited" else None,
            code=code,
            retry_after=decision.retry_after,
        )


def _ensure_may_send(user: User) -> None:
    if not user.is_active:
        raise PermissionDenied("This account is no longer active.", code="account_inactive")
    if user.is_banned:
        raise PermissionDenied("This account has been banned.", code="account_banned")
    if user.is_suspended:
        raise PermissionDenied("This account is suspended.", code="account_suspended")


@functools.cache
def _locked_open_match_of_sender_sql() -> str:
    """FROM … FOR NO KEY UPDATE: the match row `m` of conversation %(conversation)s, locked,
    when %(sender)s is one of its two people (`low`, `high`), it is open and its
    conversation too."""
    user = User._meta.db_table
    return (
        f"FROM {Match._meta.db_table} m"
        f" JOIN {Conversation._meta.db_table} c ON c.match_id = m.id"
        f" JOIN {user} low ON low.id = m.user_low_id"
        f" JOIN {user} high ON high.id = m.user_high_id"
        " WHERE m.id = %(conversation)s"
        " AND (m.user_low_id = %(sender)s OR m.user_high_id = %(sender)s)"
        " AND m.state = ANY(%(states)s) AND c.closed_at IS NULL"
        " FOR NO KEY UPDATE OF m"
    )


@functools.cache
def _lock_for_send_sql() -> str:
    """The statement of `_lock_for_send`, built once from the models' tables. Written as SQL:
    as an ORM query with its subqueries it took ~4 ms of CPU per message to build, the
    largest share of a send."""
    return (
        "SELECT m.id, m.user_low_id, m.user_high_id,"  # noqa: S608 (model tables only)
        " low.is_active, low.banned_at, low.suspended_until,"
        " high.is_active, high.banned_at, high.suspended_until,"
        f" EXISTS (SELECT 1 FROM {Block._meta.db_table} b"
        "  WHERE (b.blocker_id = m.user_low_id AND b.blocked_id = m.user_high_id)"
        "     OR (b.blocker_id = m.user_high_id AND b.blocked_id = m.user_low_id)),"
        f" EXISTS (SELECT 1 FROM {Message._meta.db_table} sent"
        "  WHERE sent.conversation_id = m.id AND sent.sender_id = %(sender)s),"
        f" (SELECT p.display_name FROM {Profile._meta.db_table} p"
        "  WHERE p.user_id = %(sender)s),"
        f" (SELECT earlier.id FROM {Message._meta.db_table} earlier"
        "  WHERE earlier.sender_id = %(sender)s AND earlier.client_message_id = %(client_id)s"
        "  LIMIT 1)"
        f" {_locked_open_match_of_sender_sql()}"
    )


def _lock_for_send(*, sender: User, conversation_id: UUID, client_message_id: str) -> _SendContext:
    """Lock the match row of an open conversation `sender` belongs to; NotFound otherwise
    (not a member, match ended, conversation closed, blocked either way, the other person
    banned or gone). Also finds an earlier message with this client_message_id (checked
    under the lock, so a concurrent retry that committed first is seen). One query."""
    with connection.cursor() as cursor:
        cursor.execute(
            _lock_for_send_sql(),
            {
                "sender": sender.pk,
                "client_id": client_message_id,
                "conversation": conversation_id,
                "states": [str(state) for state in OPEN_MATCH_STATES],
            },
        )
        row = cursor.fetchone()
    if row is None:
        raise NotFound("No such conversation.", code="conversation_not_found")
    (match_id, low_id, high_id, *standing, is_blocked, has_sent, sender_name, retry_of) = row
    if is_blocked:
        raise NotFound("No such conversation.", code="conversation_not_found")
    # The members' standing, fresh from the locked row (not the caller's copy of the account).
    low, high = (
        User(id=user_id, is_active=active, banned_at=banned_at, suspended_until=suspended_until)
        for user_id, (active, banned_at, suspended_until) in (
            (low_id, standing[:3]),
            (high_id, standing[3:]),
        )
    )
    me, other, other_id = (low, high, high_id) if low_id == sender.pk else (high, low, low_id)
    _ensure_may_send(me)
    if not other.is_active or other.is_banned:
        raise NotFound("No such conversation.", code="conversation_not_found")
    return _SendContext(
        match_id=match_id,
        recipient_id=other_id,
        is_opener=not has_sent,
        sender_name=sender_name or "Someone",
        retry_of=retry_of,
    )


@dataclass(frozen=True)
class _SentAtOnce:
    message: Message
    recipient_id: UUID
    sender_name: str


@functools.cache
def _send_at_once_sql() -> str:
    """A send as one statement. It counts the attempt in the sender's rate window, locks
    the match row (as `_lock_for_send`), and only when the sender is within their rate, may
    write, it is not their first message here (openers are checked first) and no earlier
    message has this client_message_id, moves the match's activity, takes the next seq and
    inserts the message. Otherwise it inserts nothing; the window row is always returned."""
    activity = match_record_activity_sql("(SELECT id FROM sendable)")
    return (
        "WITH counted AS ("  # noqa: S608 (model tables and matching's statement only)
        f" INSERT INTO {SendWindow._meta.db_table} AS w (user_id, started_at, sent)"
        " VALUES (%(sender)s, %(now)s, 1)"
        " ON CONFLICT (user_id) DO UPDATE SET"
        "  started_at = CASE WHEN w.started_at > %(window_start)s THEN w.started_at"
        "   ELSE %(now)s END,"
        "  sent = CASE WHEN w.started_at > %(window_start)s THEN w.sent + 1 ELSE 1 END"
        " RETURNING started_at, sent"
        "), target AS ("
        " SELECT m.id, m.user_low_id, m.user_high_id,"
        "  low.is_active AND low.banned_at IS NULL AND high.is_active AND high.banned_at IS NULL"
        "   AS members_in_good_standing,"
        "  CASE WHEN m.user_low_id = %(sender)s THEN low.suspended_until"
        "   ELSE high.suspended_until END AS suspended_until,"
        f"  EXISTS (SELECT 1 FROM {Block._meta.db_table} b"
        "   WHERE (b.blocker_id = m.user_low_id AND b.blocked_id = m.user_high_id)"
        "      OR (b.blocker_id = m.user_high_id AND b.blocked_id = m.user_low_id)) AS is_blocked,"
        f"  EXISTS (SELECT 1 FROM {Message._meta.db_table} sent"
        "   WHERE sent.conversation_id = m.id AND sent.sender_id = %(sender)s) AS has_sent,"
        f"  (SELECT p.display_name FROM {Profile._meta.db_table} p"
        "   WHERE p.user_id = %(sender)s) AS sender_name,"
        f"  EXISTS (SELECT 1 FROM {Message._meta.db_table} earlier"
        "   WHERE earlier.sender_id = %(sender)s AND earlier.client_message_id = %(client_id)s)"
        "   AS is_retry"
        f" {_locked_open_match_of_sender_sql()}"
        "), sendable AS ("
        " SELECT id FROM target"
        " WHERE members_in_good_standing AND NOT is_blocked AND has_sent AND NOT is_retry"
        " AND (suspended_until IS NULL OR suspended_until <= %(now)s)"
        " AND (SELECT sent FROM counted) <= %(rate_count)s"
        f"), activity AS ({activity}"
        "), numbered AS ("
        f" UPDATE {Conversation._meta.db_table}"
        " SET last_seq = last_seq + 1, last_activity_at = %(now)s, updated_at = %(now)s"
        " WHERE match_id = (SELECT id FROM sendable) AND closed_at IS NULL"
        " RETURNING match_id, last_seq"
        "), inserted AS ("
        f" INSERT INTO {Message._meta.db_table} (id, conversation_id, seq, sender_id, kind,"
        "  body, client_message_id, data, opener_fingerprint, created_at)"
        " SELECT %(id)s, match_id, last_seq, %(sender)s, %(kind)s, %(body)s, %(client_id)s,"
        "  '{}'::jsonb, '', %(now)s FROM numbered"
        " RETURNING seq"
        ")"
        " SELECT c.started_at, c.sent, t.user_low_id, t.user_high_id, t.sender_name,"
        "  (SELECT seq FROM inserted)"
        " FROM counted c LEFT JOIN target t ON true"
    )


def _send_at_once(
    *, sender: User, conversation_id: UUID, text: str, client_message_id: str
) -> _SentAtOnce | None:
    """Count the attempt against KINDRED_CHAT_SEND_RATE and store the message, with one
    statement, when nothing needs a second look. Raises RateLimited (the attempt counted,
    nothing else written). None, with only the attempt counted, for openers, retries and
    refusals, which message_send's transaction then handles; None with nothing written when a
    concurrent send with the same client_message_id won. Outside a transaction the statement
    commits on its own: a message in one round trip, where the rate window in Redis and four
    statements between BEGIN and COMMIT took six. Inside one it runs in a savepoint, so that
    a failure leaves the caller's transaction usable."""
    now = timezone.now()
    rate = Rate.parse(settings.KINDRED_CHAT_SEND_RATE)
    parameters = {
        **match_record_activity_parameters(at=now),
        "sender": sender.pk,
        "client_id": client_message_id,
        "conversation": conversation_id,
        "states": [str(state) for state in OPEN_MATCH_STATES],
        "now": now,
        "id": uuid4(),
        "kind": MessageKind.TEXT.value,
        "body": text,
        "window_start": now - timedelta(seconds=rate.seconds),
        "rate_count": rate.count,
    }
    try:
        with (
            transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext(),
            connection.cursor() as cursor,
        ):
            cursor.execute(_send_at_once_sql(), parameters)
            row = cursor.fetchone()
    except IntegrityError:  # the same client_message_id, committed by a concurrent send
        return None
    assert row is not None  # the window row is always there
    window_started_at, sent, low_id, high_id, sender_name, seq = row
    if sent > rate.count:
        window_ends = window_started_at + timedelta(seconds=rate.seconds)
        raise RateLimited(
            "You are sending messages too fast.",
            code="rate_limited",
            retry_after=max(1, math.ceil((window_ends - now).total_seconds())),
        )
    if seq is None:
        return None
    message = Message(
        id=parameters["id"],
        conversation_id=conversation_id,
        seq=seq,
        sender_id=sender.pk,
        kind=MessageKind.TEXT,
        body=text,
        client_message_id=client_message_id,
        opener_fingerprint="",
        created_at=now,
    )
    message._state.adding = False
    message._state.db = connection.alias
    recipient_id = high_id if low_id == sender.pk else low_id
    return _SentAtOnce(
        message=message, recipient_id=recipient_id, sender_name=sender_name or "Someone"
    )


def _check_opener(*, sender_id: UUID, conversation_id: UUID, text: str) -> str:
    """The opener's fingerprint, after making sure it is not a copy of the sender's recent
    openers to other people (raises _CopiedOpenerFound)."""
    fingerprint = opener_fingerprint(text)
    if len(opener_key(text)) < settings.KINDRED_CHAT_OPENER_MIN_LENGTH:
        return fingerprint
    since = timezone.now() - timedelta(hours=settings.KINDRED_CHAT_OPENER_WINDOW_HOURS)
    copies = (
        Message.objects.filter(
            sender_id=sender_id, opener_fingerprint=fingerprint, created_at__gte=since
        )
        .exclude(conversation_id=conversation_id)
        .count()
    )
    if copies > settings.KINDRED_CHAT_OPENER_MAX_COPIES:
        raise _CopiedOpenerFound(copies)
    return fingerprint


def _next_seq(conversation_id: UUID, at: Any) -> int:
    """Take the conversation's next sequence number (the row stays locked until commit)."""
    sql = (
        f"UPDATE {Conversation._meta.db_table} "  # noqa: S608  (table name from the model)
        "SET last_seq = last_seq + 1, last_activity_at = %s, updated_at = %s "
        "WHERE match_id = %s AND closed_at IS NULL RETURNING last_seq"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [at, at, conversation_id])
        row = cursor.fetchone()
    if row is None:
        raise NotFound("No such conversation.", code="conversation_not_found")
    return int(row[0])


def _record_match_activity(match_id: UUID, at: Any) -> None:
    from matching.services import match_record_activity

    match_record_activity(match_id=match_id, at=at)


def _existing_for_retry(*, sender: User, client_message_id: str) -> Message | None:
    return Message.objects.filter(sender_id=sender.pk, client_message_id=client_message_id).first()


def _retry_result(*, existing: Message, conversation_id: UUID) -> MessageSendResult:
    """A retry: the first message (the caller checked the conversation is open to the
    sender, so a retry learns nothing about closed conversations)."""
    if existing.conversation_id != conversation_id:
        raise Conflict(
            "This client_message_id was already used for another conversation.",
            code="client_message_id_reused",
        )
    return MessageSendResult(message=existing, created=False)


def message_send(
    *, sender: User, conversation_id: UUID, body: object, client_message_id: str
) -> MessageSendResult:
    """Append a text message to an open conversation of `sender`.

    Idempotent per (sender, client_message_id): a retry returns the first message with
    `created=False` and broadcasts nothing (it counts against the send rate like any
    send). Refusals: NotFound (not a member, match ended, blocked, the other person
    banned or deleted), PermissionDenied (sender banned or suspended), ValidationFailed
    (text rules of `chat.text`), RateLimited (`KINDRED_CHAT_SEND_RATE`,
    `opener_rate_limited`), OpenerCopied (the opener repeats recent openers to other
    people; a ChatFlag is recorded for moderators), Conflict (`client_message_id` already
    used in another conversation). On commit: the
    `chat.message_created` event to both members and a `message_received` notification
    for the recipient. The match's activity time moves with the message.
    """
    text = clean_message_body(body)
    sent = _send_at_once(
        sender=sender,
        conversation_id=conversation_id,
        text=text,
        client_message_id=client_message_id,
    )
    if sent is not None:
        _announce(
            sent.message,
            sender_id=sender.pk,
            recipient_id=sent.recipient_id,
            sender_name=sent.sender_name,
        )
        return MessageSendResult(message=sent.message, created=True)
    try:
        with transaction.atomic():
            context = _lock_for_send(
                sender=sender, conversation_id=conversation_id, client_message_id=client_message_id
            )
            if context.retry_of is not None:
                existing = Message.objects.get(pk=context.retry_of)
                return _retry_result(existing=existing, conversation_id=conversation_id)
            fingerprint = ""
            if context.is_opener:
                fingerprint = _check_opener(
                    sender_id=sender.pk, conversation_id=conversation_id, text=text
                )
                _rate_limit(
                    "chat_opener",
                    sender.pk,
                    settings.KINDRED_CHAT_OPENER_RATE,
                    "opener_rate_limited",
                )
            now = timezone.now()
            _record_match_activity(context.match_id, now)
            seq = _next_seq(conversation_id, now)
            message = Message.objects.create(
                conversation_id=conversation_id,
                seq=seq,
                sender_id=sender.pk,
                kind=MessageKind.TEXT,
                body=text,
                client_message_id=client_message_id,
                opener_fingerprint=fingerprint,
                created_at=now,
            )
            _announce(
                message,
                sender_id=sender.pk,
                recipient_id=context.recipient_id,
                sender_name=context.sender_name,
            )
    except _CopiedOpenerFound as found:
        _flag_copied_opener(
            sender=sender, conversation_id=conversation_id, text=text, copies=found.copies
        )
        raise OpenerCopied(
            extra={"window_hours": settings.KINDRED_CHAT_OPENER_WINDOW_HOURS}
        ) from None
    except IntegrityError:
        # The same client_message_id committed by a concurrent retry in between.
        first = _existing_for_retry(sender=sender, client_message_id=client_message_id)
        if first is None:
            raise
        from chat.selectors import conversation_get_for_participant

        conversation_get_for_participant(user=sender, conversation_id=conversation_id)
        return _retry_result(existing=first, conversation_id=conversation_id)
    return MessageSendResult(message=message, created=True)


def _announce(message: Message, *, sender_id: UUID, recipient_id: UUID, sender_name: str) -> None:
    """Once the message is committed: `chat.message_created` to both members' sockets, then
    the recipient's notification (recorded only while they have no socket open)."""
    events.message_created_on_commit(message, [recipient_id, sender_id])
    notify(
        user_id=recipient_id,
        kind=NotificationKind.MESSAGE_RECEIVED,
        title=sender_name,
        body=_preview(message.body),
        data={
            "conversation_id": str(message.conversation_id),
            "match_id": str(message.conversation_id),
            "message_id": str(message.id),
            "seq": message.seq,
            "sender_id": str(sender_id),
        },
        collapse_key=f"conversation:{message.conversation_id}",
    )


def _preview(text: str) -> str:
    line = " ".join(text.split())
    if len(line) <= NOTIFICATION_PREVIEW_LENGTH:
        return line
    return line[: NOTIFICATION_PREVIEW_LENGTH - 1] + "…"


def _flag_copied_opener(*, sender: User, conversation_id: UUID, text: str, copies: int) -> None:
    ChatFlag.objects.create(
        user_id=sender.pk,
        conversation_id=conversation_id,
        reason=FlagReason.COPIED_OPENER,
        body=text,
        details={
            "copies": copies,
            "window_hours": settings.KINDRED_CHAT_OPENER_WINDOW_HOURS,
            "fingerprint": opener_fingerprint(text),
        },
    )


@transaction.atomic
def message_create_system(
    *, conversation_id: UUID, body: str, data: dict[str, Any]
) -> Message | None:
    """Append a system message (e.g. a missed call) if the conversation is still open;
    None when it is not. Broadcast to both members on commit; counts as unread for both."""
    match = (
        Match.objects.select_for_update(no_key=True)
        .filter(pk=conversation_id, state__in=OPEN_MATCH_STATES)
        .first()
    )
    if match is None:
        return None
    now = timezone.now()
    try:
        seq = _next_seq(conversation_id, now)
    except NotFound:
        return None
    message = Message.objects.create(
        conversation_id=conversation_id,
        seq=seq,
        sender=None,
        kind=MessageKind.SYSTEM,
        body=body,
        data=data,
        created_at=now,
    )
    events.message_created_on_commit(message, [match.user_low_id, match.user_high_id])
    return message


# --- Read state ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReadResult:
    conversation_id: UUID
    last_read_seq: int
    # False when the pointer was already at or beyond `seq` (nothing was sent).
    moved: bool


def conversation_mark_read(*, user: User, conversation_id: UUID, seq: int) -> ReadResult:
    """Mark everything up to `seq` read. The pointer only moves forward; `seq` beyond the
    newest message is a 400 `seq_out_of_range`. On commit: `chat.read` to the reader's own
    sockets, and to the other member unless the reader turned read receipts off."""
    from chat.selectors import conversation_get_for_participant
    from core.exceptions import ValidationFailed

    conversation = conversation_get_for_participant(user=user, conversation_id=conversation_id)
    if seq > conversation.last_seq:
        raise ValidationFailed(
            "There is no message with this seq yet.",
            code="seq_out_of_range",
            extra={"fields": {"seq": [f"At most {conversation.last_seq}."]}},
        )
    with transaction.atomic():
        now = timezone.now()
        moved = ConversationMember.objects.filter(
            conversation_id=conversation_id, user_id=user.pk, last_read_seq__lt=seq
        ).update(last_read_seq=seq, last_read_at=now)
        current = (
            ConversationMember.objects.filter(conversation_id=conversation_id, user_id=user.pk)
            .values_list("last_read_seq", flat=True)
            .first()
        )
        if current is None:
            raise NotFound("No such conversation.", code="conversation_not_found")
        if moved:
            match = conversation.match
            recipients = [user.pk]
            if _sends_read_receipts(user.pk):
                recipients.append(match.other_user_id(user.pk))
            events.read_on_commit(
                conversation_id=conversation_id,
                reader_id=user.pk,
                seq=seq,
                recipient_ids=recipients,
            )
    return ReadResult(conversation_id=conversation_id, last_read_seq=current, moved=bool(moved))


def _sends_read_receipts(user_id: UUID) -> bool:
    return not ChatPreference.objects.filter(user_id=user_id, send_read_receipts=False).exists()


# --- Preferences ---------------------------------------------------------------------------


@transaction.atomic
def chat_preference_update(
    *, user: User, send_read_receipts: bool | None = None, allow_calls: bool | None = None
) -> ChatPreference:
    """Change my chat settings; fields left None keep their value."""
    preference, _ = ChatPreference.objects.select_for_update().get_or_create(user_id=user.pk)
    changed = []
    if send_read_receipts is not None:
        preference.send_read_receipts = send_read_receipts
        changed.append("send_read_receipts")
    if allow_calls is not None:
        preference.allow_calls = allow_calls
        changed.append("allow_calls")
    if changed:
        preference.save(update_fields=[*changed, "updated_at"])
    return preference
