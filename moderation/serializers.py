"""Input and output shapes of moderation's API."""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from moderation.models import (
    Appeal,
    AppealStatus,
    Block,
    Report,
    ReportReason,
    Sanction,
    SanctionKind,
    SanctionStatus,
)


class BlockInput(serializers.Serializer):
    user_id = serializers.UUIDField()


class BlockOutput(serializers.ModelSerializer):
    user_id = serializers.UUIDField(source="blocked_id")
    display_name = serializers.SerializerMethodField(
        help_text="The blocked person's name, so that the list can be read; may be empty."
    )

    class Meta:
        model = Block
        fields = ("user_id", "display_name", "created_at")

    def get_display_name(self, block: Block) -> str:
        profile = getattr(block.blocked, "profile", None)
        return profile.display_name if profile is not None else ""


class BlockPageOutput(serializers.Serializer):
    results = BlockOutput(many=True)
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)


class ReportInput(serializers.Serializer):
    user_id = serializers.UUIDField()
    reason = serializers.ChoiceField(choices=ReportReason.choices)
    details = serializers.CharField(
        max_length=2000, allow_blank=True, default="", trim_whitespace=True
    )
    message_ids = serializers.ListField(
        child=serializers.UUIDField(),
        required=False,
        default=list,
        max_length=settings.KINDRED_REPORT_MAX_MESSAGE_IDS,
        help_text="Messages of our conversation that show the problem.",
    )


class ReportOutput(serializers.ModelSerializer):
    """What the reporter sees of their report (never priority or evidence)."""

    user_id = serializers.UUIDField(source="reported_id", allow_null=True)
    reasons = serializers.ListField(child=serializers.ChoiceField(choices=ReportReason.choices))

    class Meta:
        model = Report
        fields = ("id", "user_id", "reason", "reasons", "status", "submission_count", "created_at")


class AppealOutput(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=AppealStatus.choices)

    class Meta:
        model = Appeal
        fields = ("id", "status", "message", "decision_note", "created_at", "decided_at")


class SanctionOutput(serializers.ModelSerializer):
    """A decision about my account, in the words I am meant to read."""

    kind = serializers.ChoiceField(choices=SanctionKind.choices)
    status = serializers.ChoiceField(choices=SanctionStatus.choices)
    appeal = serializers.SerializerMethodField()
    can_appeal = serializers.SerializerMethodField()
    appeal_deadline = serializers.SerializerMethodField()

    class Meta:
        model = Sanction
        fields = (
            "id",
            "kind",
            "status",
            "policy_reason",
            "created_at",
            "ends_at",
            "ended_at",
            "appeal",
            "can_appeal",
            "appeal_deadline",
        )

    @extend_schema_field(AppealOutput(allow_null=True))
    def get_appeal(self, sanction: Sanction) -> Any:
        appeal = getattr(sanction, "appeal", None)
        return AppealOutput(appeal).data if appeal is not None else None

    @extend_schema_field(serializers.DateTimeField())
    def get_appeal_deadline(self, sanction: Sanction) -> Any:
        deadline = sanction.created_at + timedelta(days=settings.KINDRED_APPEAL_WINDOW_DAYS)
        return serializers.DateTimeField().to_representation(deadline)

    def get_can_appeal(self, sanction: Sanction) -> bool:
        deadline = sanction.created_at + timedelta(days=settings.KINDRED_APPEAL_WINDOW_DAYS)
        return (
            getattr(sanction, "appeal", None) is None
            and sanction.status != SanctionStatus.OVERTURNED
            and timezone.now() <= deadline
        )


class SanctionPageOutput(serializers.Serializer):
    results = SanctionOutput(many=True)
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)


class AppealInput(serializers.Serializer):
    message = serializers.CharField(
        max_length=2000,
        allow_blank=True,
        default="",
        help_text="Why the decision should be reconsidered.",
    )


class RestrictedSessionInput(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(max_length=128, trim_whitespace=False)
    otp = serializers.CharField(max_length=32, required=False, allow_blank=True)


class RestrictedSessionOutput(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `Authorization: Restricted <token>`.")
    expires_in = serializers.IntegerField(help_text="Seconds.")
