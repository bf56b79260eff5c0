"""Conversations, messages, read state and chat preferences.

One conversation per match, sharing the match's id (`conversation.pk == match.pk`). Each
message gets the next number of its conversation's sequence (`last_seq`, incremented in
one UPDATE ... RETURNING under the row lock), so `seq` is dense and ordered; clients that
were offline ask for everything after the last `seq` they hold. A sender's
`client_message_id` is unique, so a retried send finds the first message (DESIGN.md §6).
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import GreaterThanOrEqual, LessThanOrEqual
from django.utils import timezone

from core.models import TimestampedModel

MESSAGE_MAX_LENGTH = 4096


class Conversation(TimestampedModel):
    """The conversation of a match. Closed (for good) when the match ends: nothing more can
    be sent, and neither member can read it any more."""

    match = models.OneToOneField(
        "matching.Match", primary_key=True, on_delete=models.CASCADE, related_name="conversation"
    )
    # The seq of the newest message (0: none yet). Only ever raised by `chat.services`.
    last_seq = models.PositiveBigIntegerField(default=0)
    # Moves with every message; orders the conversation list.
    last_activity_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-last_activity_at",)
        indexes = [models.Index(fields=["-last_activity_at"], name="chat_conversation_activity")]

    def __str__(self) -> str:
        return f"conversation {self.pk}"

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class ConversationMember(models.Model):
    """One of the two people of a conversation and how far they have read."""

    id = models.BigAutoField(primary_key=True)
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # Everything up to this seq has been read; never moves back.
    last_read_seq = models.PositiveBigIntegerField(default=0)
    last_read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "conversation"], name="chat_member_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.conversation_id}"


class MessageKind(models.TextChoices):
    TEXT = "text", "Text"
    SYSTEM = "system", "System"


class SystemEvent(models.TextChoices):
    MISSED_CALL = "missed_call", "Missed call"


class Message(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Neither key has an index of its own: the (conversation, seq), (conversation, sender)
    # and (sender, client_message_id) indexes start with them, and every index more is one
    # more entry written for every message.
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages", db_index=False
    )
    seq = models.PositiveBigIntegerField()
    # Null for system messages (a missed call), which nobody typed.
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    kind = models.CharField(max_length=16, choices=MessageKind.choices, default=MessageKind.TEXT)
    body = models.TextField()
    # Chosen by the sender's app; a second send with the same one returns this message.
    # Null for system messages: NULLs never collide in the (sender, client_message_id) key.
    client_message_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    # For system messages: {"event": "missed_call", "caller_id": ..., "call_id": ...}.
    data = models.JSONField(default=dict, blank=True)
    # Set on the sender's first message in a conversation (their opener): a hash of the
    # normalised text, to find the same opener sent to other people.
    opener_fingerprint = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("conversation", "seq")
        constraints = [
            models.UniqueConstraint(fields=["conversation", "seq"], name="chat_message_seq"),
            models.UniqueConstraint(
                fields=["sender", "client_message_id"], name="chat_message_client_id"
            ),
            models.CheckConstraint(condition=Q(seq__gte=1), name="chat_message_seq_positive"),
            models.CheckConstraint(
                condition=Q(kind__in=MessageKind.values), name="chat_message_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind=MessageKind.SYSTEM)
                | (
                    Q(sender__isnull=False)
                    & Q(client_message_id__isnull=False)
                    & Q(GreaterThanOrEqual(Length("body"), 1))
                    & Q(LessThanOrEqual(Length("body"), MESSAGE_MAX_LENGTH))
                ),
                name="chat_message_text_shape",
            ),
        ]
        indexes = [
            models.Index(
                fields=["sender", "opener_fingerprint", "created_at"],
                condition=~Q(opener_fingerprint=""),
                name="chat_message_openers",
            ),
            models.Index(fields=["conversation", "sender"], name="chat_message_sender"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} in {self.conversation_id}"


class SendWindow(models.Model):
    """How many messages a person has sent in their current rate window
    (KINDRED_CHAT_SEND_RATE, "<count>/<seconds>"), counted by the statement that stores each
    message: the window starts with the first send after the last one ended. Kept beside
    the messages rather than in Redis so that a send is one round trip, not two."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    started_at = models.DateTimeField()
    sent = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.sent} since {self.started_at:%H:%M:%S}"


class ChatPreference(models.Model):
    """A person's chat settings. No row means the defaults."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="chat_preference",
    )
    # Off: others never learn how far I have read (my own devices still sync).
    send_read_receipts = models.BooleanField(default=True)
    # Off: nobody can call me, and I cannot start calls either.
    allow_calls = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"chat preferences of {self.user_id}"


class FlagReason(models.TextChoices):
    COPIED_OPENER = "copied_opener", "Opener copied to several people"


class ChatFlag(TimestampedModel):
    """Something chat refused and moderators should look at (e.g. a mass-sent opener)."""

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(
        Conversation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=32, choices=FlagReason.choices)
    body = models.TextField(blank=True, default="")
    details = models.JSONField(default=dict, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)
        indexes = [models.Index(fields=["user", "-created_at"], name="chat_flag_user")]

    def __str__(self) -> str:
        return f"{self.reason} by {self.user_id}"
