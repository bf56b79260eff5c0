"""Input and output shapes of chat's REST endpoints (the socket uses the same messages)."""

from django.conf import settings
from rest_framework import serializers

from chat.models import MessageKind
from profiles.public import PublicProfileOutput

CLIENT_MESSAGE_ID_PATTERN = r"^[A-Za-z0-9._:\-]{1,64}$"


class MessageOutput(serializers.Serializer):
    id = serializers.UUIDField()
    conversation_id = serializers.UUIDField()
    sender_id = serializers.UUIDField(allow_null=True, help_text="Null for system messages.")
    seq = serializers.IntegerField(
        min_value=1, help_text="Position in the conversation: 1, 2, 3 … without gaps."
    )
    kind = serializers.ChoiceField(choices=MessageKind.choices)
    body = serializers.CharField()
    client_message_id = serializers.CharField(allow_null=True)
    # The API's key is "data"; the metaclass pops declared fields, so Serializer.data is unharmed.
    data = serializers.DictField(  # type: ignore[assignment]
        help_text='System messages: {"event": "missed_call", "caller_id", "call_id", "media"}.'
    )
    created_at = serializers.DateTimeField()


class MessageSendInput(serializers.Serializer):
    # The text rules (length, blank, control characters) are checked by the service, so that
    # REST and the socket refuse alike; DRF's own trimming would hide what was sent.
    body = serializers.CharField(
        trim_whitespace=False,
        allow_blank=True,
        help_text="1–4096 characters, not only whitespace; newline and tab allowed.",
    )
    client_message_id = serializers.RegexField(
        CLIENT_MESSAGE_ID_PATTERN,
        help_text=(
            "Chosen by the app (e.g. a UUID), unique per sender: sending again with the same "
            "one returns the first message instead of a duplicate."
        ),
    )


class MessageQueryInput(serializers.Serializer):
    after_seq = serializers.IntegerField(
        required=False, min_value=0, help_text="Catch up: messages after this seq, oldest first."
    )
    before_seq = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="Scroll back: messages before this seq, newest first.",
    )
    limit = serializers.IntegerField(required=False, min_value=1, max_value=10_000)

    def validate(self, attrs: dict) -> dict:
        if "after_seq" in attrs and "before_seq" in attrs:
            raise serializers.ValidationError("Give after_seq or before_seq, not both.")
        attrs["limit"] = min(
            attrs.get("limit", settings.KINDRED_MAX_PAGE_SIZE), settings.KINDRED_MAX_PAGE_SIZE
        )
        return attrs


class MessagePageOutput(serializers.Serializer):
    results = MessageOutput(many=True)
    next = serializers.URLField(
        allow_null=True,
        help_text="The next page in the same direction, or null when there is no more.",
    )


class MessageSendOutput(MessageOutput):
    pass


class PresenceOutput(serializers.Serializer):
    is_online = serializers.BooleanField()
    last_seen_at = serializers.DateTimeField(allow_null=True)


class ConversationOutput(serializers.Serializer):
    id = serializers.UUIDField(help_text="Also the match id.")
    match_id = serializers.UUIDField()
    user = PublicProfileOutput(help_text="The other member's card.")
    presence = PresenceOutput()
    last_message = MessageOutput(allow_null=True)
    last_seq = serializers.IntegerField(min_value=0)
    unread_count = serializers.IntegerField(min_value=0)
    last_read_seq = serializers.IntegerField(min_value=0, help_text="How far I have read.")
    other_last_read_seq = serializers.IntegerField(
        allow_null=True, help_text="How far they have read; null if they keep that private."
    )
    last_activity_at = serializers.DateTimeField()


class ConversationPageOutput(serializers.Serializer):
    results = ConversationOutput(many=True)
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)


class ReadInput(serializers.Serializer):
    seq = serializers.IntegerField(min_value=0, help_text="Everything up to this seq is read.")


class ReadOutput(serializers.Serializer):
    conversation_id = serializers.UUIDField()
    last_read_seq = serializers.IntegerField(min_value=0)


class ChatPreferenceOutput(serializers.Serializer):
    send_read_receipts = serializers.BooleanField(
        help_text="Off: the people you talk to never see how far you have read."
    )
    allow_calls = serializers.BooleanField(help_text="Off: nobody can call you, nor you them.")


class ChatPreferenceInput(serializers.Serializer):
    send_read_receipts = serializers.BooleanField(required=False)
    allow_calls = serializers.BooleanField(required=False)


class TicketOutput(serializers.Serializer):
    ticket = serializers.CharField(help_text="Open /ws/v1/?ticket=<this> within expires_in.")
    expires_in = serializers.IntegerField(help_text="Seconds; the ticket works once.")
