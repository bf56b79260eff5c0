"""Reads of conversations and messages. A conversation is visible to its two members while
its match is open, neither blocked the other and it has not been closed; to everyone else
it does not exist (NotFound, so ids leak nothing)."""

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from accounts.models import User
from chat.events import message_payload
from chat.models import ChatPreference, Conversation, ConversationMember, Message
from core.exceptions import NotFound
from matching.models import OPEN_MATCH_STATES, Match
from matching.summaries import MatchSummary
from moderation.models import Block


def _blocked_between_members() -> Exists:
    """Whether either member of the outer match row blocked the other (for annotations)."""
    return Exists(
        Block.objects.filter(
            Q(blocker_id=OuterRef("user_low_id"), blocked_id=OuterRef("user_high_id"))
            | Q(blocker_id=OuterRef("user_high_id"), blocked_id=OuterRef("user_low_id"))
        )
    )


def _open_for(user_id: UUID) -> Q:
    return (Q(match__user_low_id=user_id) | Q(match__user_high_id=user_id)) & Q(
        match__state__in=OPEN_MATCH_STATES, closed_at__isnull=True
    )


def conversation_get_for_participant(*, user: User, conversation_id: UUID) -> Conversation:
    """The open conversation if `user` is one of its two members; NotFound otherwise (also
    when closed, or when either blocked the other). One query; `match` is loaded."""
    conversation = (
        Conversation.objects.filter(_open_for(user.pk), pk=conversation_id)
        .select_related("match")
        .annotate(
            is_blocked=Exists(
                Block.objects.filter(
                    Q(
                        blocker_id=OuterRef("match__user_low_id"),
                        blocked_id=OuterRef("match__user_high_id"),
                    )
                    | Q(
                        blocker_id=OuterRef("match__user_high_id"),
                        blocked_id=OuterRef("match__user_low_id"),
                    )
                )
            )
        )
        .first()
    )
    if conversation is None or conversation.is_blocked:
        raise NotFound("No such conversation.", code="conversation_not_found")
    return conversation


def conversation_list_for_user(*, user: User) -> QuerySet[ConversationMember]:
    """My member rows of open conversations, newest activity first, each annotated with
    `unread_count` (messages after my read pointer that I did not send) and carrying the
    conversation and match; one query per page."""
    unread = (
        Message.objects.filter(
            conversation_id=OuterRef("conversation_id"), seq__gt=OuterRef("last_read_seq")
        )
        .exclude(sender_id=user.pk)
        .order_by()
        .values("conversation_id")
        .annotate(count=Count("*"))
        .values("count")
    )
    blocked = Exists(
        Block.objects.filter(
            Q(
                blocker_id=OuterRef("conversation__match__user_low_id"),
                blocked_id=OuterRef("conversation__match__user_high_id"),
            )
            | Q(
                blocker_id=OuterRef("conversation__match__user_high_id"),
                blocked_id=OuterRef("conversation__match__user_low_id"),
            )
        )
    )
    return (
        ConversationMember.objects.filter(
            user_id=user.pk,
            conversation__closed_at__isnull=True,
            conversation__match__state__in=OPEN_MATCH_STATES,
        )
        .exclude(blocked)
        .select_related("conversation__match")
        .annotate(
            unread_count=Coalesce(Subquery(unread, output_field=IntegerField()), 0),
            activity_at=F("conversation__last_activity_at"),
        )
    )


def last_messages(conversation_ids: Sequence[UUID]) -> dict[UUID, Message]:
    """The newest message of each conversation (one query)."""
    if not conversation_ids:
        return {}
    rows = Message.objects.filter(
        conversation_id__in=conversation_ids, seq=F("conversation__last_seq")
    )
    return {message.conversation_id: message for message in rows}


@dataclass(frozen=True)
class OtherMemberState:
    last_read_seq: int | None  # None: they do not share read receipts


def other_members_read_state(
    *, viewer_id: UUID, conversation_ids: Sequence[UUID]
) -> dict[UUID, OtherMemberState]:
    """How far the other member of each conversation has read, as far as they share it
    (read receipts off: None). One query."""
    if not conversation_ids:
        return {}
    receipts_off = Exists(
        ChatPreference.objects.filter(user_id=OuterRef("user_id"), send_read_receipts=False)
    )
    rows = (
        ConversationMember.objects.filter(conversation_id__in=conversation_ids)
        .exclude(user_id=viewer_id)
        .annotate(receipts_off=receipts_off)
        .values_list("conversation_id", "last_read_seq", "receipts_off")
    )
    return {
        conversation_id: OtherMemberState(last_read_seq=None if off else seq)
        for conversation_id, seq, off in rows
    }


def message_list_after(*, conversation: Conversation, after_seq: int, limit: int) -> list[Message]:
    """Messages with seq > after_seq, oldest first, at most `limit` (catching up)."""
    return list(
        Message.objects.filter(conversation_id=conversation.pk, seq__gt=after_seq).order_by("seq")[
            :limit
        ]
    )


def message_list_before(
    *, conversation: Conversation, before_seq: int | None, limit: int
) -> list[Message]:
    """Messages with seq < before_seq (or the newest), newest first, at most `limit`."""
    queryset = Message.objects.filter(conversation_id=conversation.pk)
    if before_seq is not None:
        queryset = queryset.filter(seq__lt=before_seq)
    return list(queryset.order_by("-seq")[:limit])


def match_summaries_for_viewer(viewer_id: UUID, match_ids: list[UUID]) -> dict[UUID, MatchSummary]:
    """matching.summaries' provider: last message and unread count for a page of matches,
    in two queries whatever the page size."""
    unread = (
        Message.objects.filter(
            conversation_id=OuterRef("conversation_id"), seq__gt=OuterRef("last_read_seq")
        )
        .exclude(sender_id=viewer_id)
        .order_by()
        .values("conversation_id")
        .annotate(count=Count("*"))
        .values("count")
    )
    members = ConversationMember.objects.filter(
        user_id=viewer_id, conversation_id__in=match_ids
    ).annotate(unread_count=Coalesce(Subquery(unread, output_field=IntegerField()), 0))
    counts = {member.conversation_id: member.unread_count for member in members}
    latest = last_messages(list(counts))
    return {
        conversation_id: MatchSummary(
            last_message=message_payload(latest[conversation_id])
            if conversation_id in latest
            else None,
            unread_count=count,
            last_message_at=latest[conversation_id].created_at
            if conversation_id in latest
            else None,
        )
        for conversation_id, count in counts.items()
    }


def partner_ids_of(user_id: UUID) -> list[UUID]:
    """The people `user_id` has an open match with (who may see their presence)."""
    rows = Match.objects.filter(
        Q(user_low_id=user_id) | Q(user_high_id=user_id), state__in=OPEN_MATCH_STATES
    ).values_list("user_low_id", "user_high_id")
    return [high if low == user_id else low for low, high in rows]


def chat_preference_for(user_id: UUID) -> ChatPreference:
    """The stored preferences, or the defaults (unsaved) when there are none."""
    return ChatPreference.objects.filter(user_id=user_id).first() or ChatPreference(user_id=user_id)
