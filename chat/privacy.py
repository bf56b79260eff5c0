"""Export and erasure of what chat holds on a person (contract: accounts.data_rights).

Export: each conversation the person is in, with every message — those they sent and those
they received (what the other person sent to them) — the other member named only by
pseudonym; their chat preferences.

Erasure (after matching ended the matches, which closes the conversations for both
members): the messages the person sent are deleted, as are their membership rows and
preferences. The other member's own messages stay theirs (they are in that person's
export, and may be moderation evidence); the conversation is closed, and the other side
sees the match ended by a "Deleted user". Chat flags (a copied opener) not yet reviewed
stay as moderation evidence; reviewed ones go.
"""

from uuid import UUID

from django.db.models import Q
from django.utils import timezone

from accounts.data_rights import ExportSection, People, iso
from chat.models import (
    ChatFlag,
    ChatPreference,
    Conversation,
    ConversationMember,
    Message,
    MessageKind,
    SendWindow,
)

LABEL = "chat"
ERASE_ORDER = 30


def export_user_data(*, user_id: UUID, people: People) -> ExportSection:
    conversations = []
    member_rows = (
        ConversationMember.objects.filter(user_id=user_id)
        .select_related("conversation__match")
        .order_by("conversation__created_at")
    )
    for member in member_rows:
        conversation = member.conversation
        messages = []
        for message in Message.objects.filter(conversation=conversation).order_by("seq"):
            entry = {
                "seq": message.seq,
                "from": people.name(message.sender_id) if message.sender_id else None,
                "kind": message.kind,
                "sent_at": iso(message.created_at),
            }
            if message.kind == MessageKind.SYSTEM:
                entry["event"] = (message.data or {}).get("event")
            else:
                entry["body"] = message.body
            messages.append(entry)
        conversations.append(
            {
                "with": people.name(conversation.match.other_user_id(user_id)),
                "started_at": iso(conversation.created_at),
                "closed_at": iso(conversation.closed_at),
                "read_up_to_seq": member.last_read_seq,
                "messages": messages,
            }
        )
    preference = ChatPreference.objects.filter(user_id=user_id).first()
    return ExportSection(
        data={
            "conversations": conversations,
            "preferences": (
                {
                    "send_read_receipts": preference.send_read_receipts,
                    "allow_calls": preference.allow_calls,
                }
                if preference
                else None
            ),
        }
    )


def erase_user_data(*, user_id: UUID) -> None:
    conversation_ids = ConversationMember.objects.filter(user_id=user_id).values("conversation_id")
    # Closed by matching's match_ended (erase order): close any left open all the same.
    Conversation.objects.filter(pk__in=conversation_ids, closed_at__isnull=True).update(
        closed_at=timezone.now()
    )
    Message.objects.filter(sender_id=user_id).delete()
    # System messages about the person (a call they missed or made) name them in `data`.
    Message.objects.filter(
        Q(data__caller_id=str(user_id)) | Q(data__callee_id=str(user_id)),
        kind=MessageKind.SYSTEM,
    ).delete()
    ConversationMember.objects.filter(user_id=user_id).delete()
    ChatPreference.objects.filter(user_id=user_id).delete()
    SendWindow.objects.filter(user_id=user_id).delete()
    ChatFlag.objects.filter(user_id=user_id, reviewed_at__isnull=False).delete()
