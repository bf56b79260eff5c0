"""Input and output shapes of the matching endpoints. People appear as the public card of
`profiles.public` (distance as a bucket, never coordinates or birth date)."""

import uuid
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from matching.models import Like, MatchState
from matching.services import USER_SETTABLE_STATES
from profiles.models import ModerationState, PhotoStatus
from profiles.photo_serializers import PublicPhotoOutput
from profiles.public import PublicProfileOutput
from profiles.quiz_serializers import PromptAnswerOutput

COMMENT_MAX_LENGTH: int = Like._meta.get_field("comment").max_length  # type: ignore[assignment]


# --- likes ----------------------------------------------------------------------------------


class LikeInput(serializers.Serializer):
    target_id = serializers.UUIDField(help_text="The user id of the person liked.")
    comment = serializers.CharField(
        max_length=COMMENT_MAX_LENGTH,
        required=False,
        allow_blank=True,
        default="",
        help_text="Why you like them; required for your first likes (`comment_required`).",
    )
    photo_id = serializers.UUIDField(
        required=False, allow_null=True, default=None, help_text="One of their photos."
    )
    prompt_id = serializers.UUIDField(
        required=False,
        allow_null=True,
        default=None,
        help_text="One of their prompt answers (not with `photo_id`).",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("photo_id") and attrs.get("prompt_id"):
            raise serializers.ValidationError(
                {"prompt_id": ["Like a photo or a prompt answer, not both."]}
            )
        return attrs


_LIKE_INPUT_FIELDS = frozenset(("target_id", "comment", "photo_id", "prompt_id"))


def like_input(data: Any) -> dict[str, Any] | None:
    """LikeInput's validated data for a well-formed body, read directly (a like is a hot
    path, and building the serializer cost more CPU than the like's SQL); None for anything
    else, which LikeInput then validates and explains (matching/tests/test_serializers.py
    checks that both agree)."""
    if not isinstance(data, dict) or not _LIKE_INPUT_FIELDS.issuperset(data):
        return None
    comment = data.get("comment", "")
    if not isinstance(comment, str) or "\x00" in comment:
        return None
    comment = comment.strip()
    if len(comment) > COMMENT_MAX_LENGTH or _has_surrogate(comment):
        return None
    values: dict[str, Any] = {"comment": comment}
    for name in ("target_id", "photo_id", "prompt_id"):
        raw = data.get(name)
        if raw is None and name != "target_id":
            values[name] = None
            continue
        if not isinstance(raw, str):
            return None
        try:
            values[name] = uuid.UUID(raw)
        except ValueError:
            return None
    if values["photo_id"] and values["prompt_id"]:
        return None
    return values


def _has_surrogate(text: str) -> bool:
    # (a printable text has none: the common case costs one C-level pass)
    return not text.isprintable() and any("\ud800" <= char <= "\udfff" for char in text)


class LikeOutput(serializers.Serializer):
    id = serializers.UUIDField()
    target_id = serializers.UUIDField(help_text="The person liked.")
    comment = serializers.CharField()
    photo_id = serializers.UUIDField(allow_null=True)
    prompt_id = serializers.UUIDField(allow_null=True)
    created_at = serializers.DateTimeField()


_DATETIME = serializers.DateTimeField()


def like_body(like: Like) -> dict[str, Any]:
    """LikeOutput's representation of a like, built directly (LikeOutput stays the schema;
    matching/tests/test_serializers.py checks that both give the same)."""
    return {
        "id": str(like.pk),
        "target_id": str(like.target_id),
        "comment": like.comment,
        "photo_id": str(like.photo_id) if like.photo_id else None,
        "prompt_id": str(like.prompt_id) if like.prompt_id else None,
        "created_at": _DATETIME.to_representation(like.created_at),
    }


class LastMessageOutput(serializers.Serializer):
    """As chat's message shape; see the chat endpoints."""

    id = serializers.UUIDField()
    sender_id = serializers.UUIDField()
    seq = serializers.IntegerField()
    body = serializers.CharField()
    created_at = serializers.DateTimeField()


class MatchOutput(serializers.Serializer):
    id = serializers.UUIDField()
    user = PublicProfileOutput(help_text="The other person's card.")
    state = serializers.ChoiceField(choices=MatchState.choices)
    conversation_id = serializers.UUIDField(help_text="The same as the match id.")
    last_message = serializers.SerializerMethodField()
    unread_count = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    last_activity_at = serializers.DateTimeField()
    state_changed_at = serializers.DateTimeField()

    @extend_schema_field(LastMessageOutput(allow_null=True))
    def get_last_message(self, item: dict[str, Any]) -> Any:
        return item["last_message"]


class LikeCreateOutput(serializers.Serializer):
    like = LikeOutput()
    match = MatchOutput(allow_null=True, help_text="The new match when the like was mutual.")


class ReceivedLikeOutput(serializers.Serializer):
    id = serializers.UUIDField(help_text="The like's id.")
    user = PublicProfileOutput(help_text="Who liked me.")
    comment = serializers.CharField()
    photo = serializers.SerializerMethodField(help_text="My photo they liked, if any.")
    prompt = serializers.SerializerMethodField(help_text="My prompt answer they liked, if any.")
    created_at = serializers.DateTimeField()

    @extend_schema_field(PublicPhotoOutput(allow_null=True))
    def get_photo(self, item: dict[str, Any]) -> Any:
        photo = item["like"].photo
        if photo is None:
            return None
        if photo.status != PhotoStatus.READY or photo.moderation_state != ModerationState.APPROVED:
            return None
        return PublicPhotoOutput(photo).data

    @extend_schema_field(PromptAnswerOutput(allow_null=True))
    def get_prompt(self, item: dict[str, Any]) -> Any:
        prompt = item["like"].prompt
        return PromptAnswerOutput(prompt).data if prompt is not None else None


class ReceivedLikePageOutput(serializers.Serializer):
    results = ReceivedLikeOutput(many=True)
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    count = serializers.IntegerField(help_text="How many likes are waiting, over all pages.")


# --- passes ---------------------------------------------------------------------------------


class PassInput(serializers.Serializer):
    target_id = serializers.UUIDField(help_text="The user id of the person passed on.")


class PassOutput(serializers.Serializer):
    target_id = serializers.UUIDField()
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(
        help_text="When the cooldown ends and the profile may show again."
    )


class RewindOutput(serializers.Serializer):
    undone = PassOutput(help_text="The pass that was undone.")
    profile = PublicProfileOutput(
        allow_null=True, help_text="Their card, to show again; null if no longer visible."
    )


# --- matches --------------------------------------------------------------------------------


class MatchPageOutput(serializers.Serializer):
    results = MatchOutput(many=True)
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)


class MatchStateInput(serializers.Serializer):
    state = serializers.ChoiceField(
        choices=[(state.value, state.label) for state in USER_SETTABLE_STATES],
        help_text="Unmatching has its own endpoint.",
    )
