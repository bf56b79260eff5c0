"""AI helpers: ask for a profile analysis or match openers (202 with a job), read a job."""

from uuid import UUID

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import AuthenticatedRequest
from ai_helpers.models import AIJobKind
from ai_helpers.selectors import ai_job_get_for_user
from ai_helpers.serializers import AIJobOutput, OpenersInput
from ai_helpers.services import ai_job_request
from core.schema import error_responses
from core.validation import validated

_ASYNC = (
    "Answers 202 with a `queued` job at once; the work runs in the background. Poll "
    "`GET /api/v1/ai/jobs/{id}` or wait for the socket event `ai.job_completed`, which "
    "carries the same job. Without a configured AI service, results come from local rules "
    'and say `"provider": "local"`. A failed job has `error.code` `ai_unavailable` (try '
    "again later), `ai_rejected`, `ai_invalid_output` or `ai_failed`."
)


class ProfileAnalysisApi(APIView):
    @extend_schema(
        operation_id="ai_profile_analysis",
        summary="Analyse my profile",
        description=(
            "Feedback on my own profile — bio, prompts, photos, missing steps — with a score "
            "and concrete suggestions. Only public facts of the profile are used. Limited "
            "per person (default 3 per hour, sliding): 429 `ai_rate_limited` with "
            "`Retry-After`. " + _ASYNC
        ),
        request=None,
        responses={202: AIJobOutput, **error_responses(401, 429)},
        tags=["ai"],
    )
    def post(self, request: AuthenticatedRequest) -> Response:
        job = ai_job_request(user=request.user, kind=AIJobKind.PROFILE_ANALYSIS)
        return Response(AIJobOutput(job).data, status=status.HTTP_202_ACCEPTED)


class OpenersApi(APIView):
    @extend_schema(
        operation_id="ai_openers",
        summary="Suggest openers for a match",
        description=(
            "Three short first messages for one of my open matches, drawn from both "
            "profiles' public facts (shared interests, prompts). 404 for a match that is not "
            "mine, no longer open, or blocked. Limited per person (default 5 per hour, "
            "sliding): 429 `ai_rate_limited` with `Retry-After`. " + _ASYNC
        ),
        request=OpenersInput,
        responses={202: AIJobOutput, **error_responses(400, 401, 404, 429)},
        tags=["ai"],
    )
    def post(self, request: AuthenticatedRequest) -> Response:
        data = validated(OpenersInput, request.data)
        job = ai_job_request(user=request.user, kind=AIJobKind.OPENERS, match_id=data["match_id"])
        return Response(AIJobOutput(job).data, status=status.HTTP_202_ACCEPTED)


class AIJobDetailApi(APIView):
    @extend_schema(
        operation_id="ai_job_detail",
        summary="An AI job of mine",
        description=(
            "Status (`queued`, `running`, `succeeded`, `failed`), the result once it "
            "succeeded, the error once it failed. 404 for anyone else's job."
        ),
        responses={200: AIJobOutput, **error_responses(401, 404)},
        tags=["ai"],
    )
    def get(self, request: AuthenticatedRequest, job_id: UUID) -> Response:
        job = ai_job_get_for_user(user=request.user, job_id=job_id)
        return Response(AIJobOutput(job).data)
