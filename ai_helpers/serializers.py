"""Request and response shapes of the AI endpoints and of the `ai.job_completed` event."""

from typing import Any

from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers

from ai_helpers.models import AIJob, AIJobKind, AIJobStatus, AIProviderName
from ai_helpers.schemas import SUGGESTION_AREA_CHOICES


class OpenersInput(serializers.Serializer):
    match_id = serializers.UUIDField(help_text="One of my open matches.")


class _ResultBase(serializers.Serializer):
    provider = serializers.ChoiceField(
        choices=AIProviderName.choices,
        help_text="`local`: rule-based, no AI service configured; `openai`: the model.",
    )
    model = serializers.CharField(help_text="The model (or rule set) that answered.")


class SuggestionOutput(serializers.Serializer):
    area = serializers.ChoiceField(choices=SUGGESTION_AREA_CHOICES)
    tip = serializers.CharField()


class ProfileAnalysisResultOutput(_ResultBase):
    score = serializers.IntegerField(min_value=0, max_value=100)
    summary = serializers.CharField()
    strengths = serializers.ListField(child=serializers.CharField())
    suggestions = SuggestionOutput(many=True)
    photo_count = serializers.IntegerField(help_text="Approved photos others can see.")
    missing_steps = serializers.ListField(
        child=serializers.CharField(), help_text="Onboarding steps not done, required first."
    )


class OpenersResultOutput(_ResultBase):
    match_id = serializers.UUIDField()
    openers = serializers.ListField(child=serializers.CharField(), min_length=3, max_length=3)
    shared_interests = serializers.ListField(child=serializers.CharField())


class AIJobErrorOutput(serializers.Serializer):
    code = serializers.CharField(
        help_text=(
            "`ai_unavailable` (the service is down or busy; try again), `ai_rejected`, "
            "`ai_invalid_output`, `ai_failed`, `match_unavailable`."
        )
    )
    message = serializers.CharField()


_RESULT = PolymorphicProxySerializer(
    component_name="AIJobResult",
    serializers=[ProfileAnalysisResultOutput, OpenersResultOutput],
    resource_type_field_name=None,
    allow_null=True,
)


class AIJobOutput(serializers.Serializer):
    id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=AIJobKind.choices)
    status = serializers.ChoiceField(choices=AIJobStatus.choices)
    match_id = serializers.UUIDField(allow_null=True)
    result = serializers.SerializerMethodField(
        help_text="Set once `status` is `succeeded`; its shape follows `kind`."
    )
    error = serializers.SerializerMethodField(help_text="Set once `status` is `failed`.")
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(_RESULT)
    def get_result(self, job: AIJob) -> dict[str, Any] | None:
        return job.result if job.status == AIJobStatus.SUCCEEDED else None

    @extend_schema_field(AIJobErrorOutput(allow_null=True))
    def get_error(self, job: AIJob) -> dict[str, str] | None:
        if job.status != AIJobStatus.FAILED:
            return None
        return {"code": job.error_code, "message": job.error_message}
