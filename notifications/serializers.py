"""Input and output shapes of the notification, device and preference APIs."""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from notifications.models import (
    DevicePlatform,
    Notification,
    NotificationKind,
    NotificationPreference,
    PushDevice,
    PushTokenKind,
)

MAX_READ_IDS = 100


class NotificationOutput(serializers.Serializer):
    id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=NotificationKind.choices)
    title = serializers.CharField()
    body = serializers.CharField()
    collapse_key = serializers.CharField(
        help_text="Notifications of one thing (e.g. a conversation) share it; may be empty."
    )
    is_read = serializers.SerializerMethodField()
    read_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()

    def get_fields(self) -> dict[str, serializers.Field]:
        # `data` is added here because a declared attribute would shadow Serializer.data
        # for type checkers.
        fields = dict(super().get_fields())
        data = serializers.DictField(
            help_text="Ids to open the right screen: match_id, conversation_id, job_id, ..."
        )
        order = ["id", "kind", "title", "body", "data"]
        return {name: data if name == "data" else fields[name] for name in order} | fields

    @extend_schema_field(serializers.BooleanField())
    def get_is_read(self, notification: Notification) -> bool:
        return notification.read_at is not None


class NotificationPageOutput(serializers.Serializer):
    results = NotificationOutput(many=True)
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    unread_count = serializers.IntegerField(help_text="All your unread notifications.")


class NotificationListQuery(serializers.Serializer):
    unread = serializers.BooleanField(
        required=False, default=False, help_text="Only unread notifications."
    )


class NotificationReadInput(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.UUIDField(),
        min_length=1,
        max_length=MAX_READ_IDS,
        required=False,
        help_text=f"Up to {MAX_READ_IDS} ids; ids that are not yours are ignored.",
    )
    all = serializers.BooleanField(required=False, help_text="true: mark everything read.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        has_ids = "ids" in attrs
        has_all = "all" in attrs
        if has_ids == has_all:
            raise serializers.ValidationError(
                {"ids": ["Give either `ids` or `all: true`."]}, code="ids_or_all"
            )
        if has_all and attrs["all"] is not True:
            raise serializers.ValidationError({"all": ["Must be true."]}, code="invalid")
        return attrs


class NotificationReadOutput(serializers.Serializer):
    updated = serializers.IntegerField(help_text="Notifications marked read by this request.")
    unread_count = serializers.IntegerField()


class PushTokenField(serializers.CharField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_length=1, max_length=512, trim_whitespace=True, **kwargs)

    def to_internal_value(self, data: Any) -> str:
        token = super().to_internal_value(data)
        if any(character.isspace() or ord(character) < 32 for character in token):
            raise serializers.ValidationError(
                "A token has no spaces or control characters.", code="invalid_token"
            )
        return token


class PushDeviceInput(serializers.Serializer):
    token = PushTokenField(
        help_text="This install's FCM registration token, or its Firebase installation id."
    )
    platform = serializers.ChoiceField(choices=DevicePlatform.choices)
    token_kind = serializers.ChoiceField(
        choices=PushTokenKind.choices,
        default=PushTokenKind.REGISTRATION_TOKEN,
        help_text="What `token` is: an FCM registration token (default) or an installation id.",
    )


class PushDeviceDeleteInput(serializers.Serializer):
    token = PushTokenField()


class PushDeviceOutput(serializers.ModelSerializer):
    class Meta:
        model = PushDevice
        fields = ("id", "platform", "token_kind", "created_at", "updated_at")


def _kind_fields() -> dict[str, serializers.Field]:
    return {kind.value: serializers.BooleanField(required=False) for kind in NotificationKind}


class NotificationKindsInput(serializers.Serializer):
    """kind → push on (true) or off (false); kinds left out keep their setting."""

    def get_fields(self) -> dict[str, serializers.Field]:
        return _kind_fields()

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if isinstance(data, dict):
            unknown = set(data) - {kind.value for kind in NotificationKind}
            if unknown:
                raise serializers.ValidationError(
                    {
                        str(name): ["Unknown notification kind."]
                        for name in sorted(map(str, unknown))
                    }
                )
        return dict(super().to_internal_value(data))


class NotificationKindsOutput(serializers.Serializer):
    def get_fields(self) -> dict[str, serializers.Field]:
        return {kind.value: serializers.BooleanField() for kind in NotificationKind}


class QuietHours(serializers.Serializer):
    start = serializers.TimeField(format="%H:%M", input_formats=["%H:%M", "%H:%M:%S"])
    end = serializers.TimeField(format="%H:%M", input_formats=["%H:%M", "%H:%M:%S"])

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["start"] == attrs["end"]:
            raise serializers.ValidationError({"end": ["Must differ from start."]})
        return attrs


class NotificationPreferencesInput(serializers.Serializer):
    kinds = NotificationKindsInput(required=False)
    quiet_hours = QuietHours(
        required=False,
        allow_null=True,
        help_text="Local times (your time zone) without push; null clears them.",
    )


class NotificationPreferencesOutput(serializers.Serializer):
    kinds = NotificationKindsOutput(help_text="Push on or off per kind.")
    quiet_hours = QuietHours(allow_null=True)
    time_zone = serializers.CharField(help_text="Quiet hours are read in this zone.")


def preferences_body(preference: NotificationPreference, *, time_zone: str) -> dict[str, Any]:
    disabled = set(preference.disabled_kinds)
    quiet_hours = (
        {"start": preference.quiet_hours_start, "end": preference.quiet_hours_end}
        if preference.quiet_hours_start is not None
        else None
    )
    return {
        "kinds": {kind.value: kind.value not in disabled for kind in NotificationKind},
        "quiet_hours": quiet_hours,
        "time_zone": time_zone,
    }
