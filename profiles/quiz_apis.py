"""Prompts (catalog and own answers), the quiz, own traits and own badges."""

from uuid import UUID

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import AuthenticatedRequest
from core.schema import error_responses
from core.validation import validated
from profiles import quiz_serializers as io
from profiles.badges import badge_list_for_profile
from profiles.prompt_services import (
    prompt_answer_create,
    prompt_answer_delete,
    prompt_answer_list_for_profile,
    prompt_answer_update,
    prompt_list_active,
)
from profiles.quiz_services import (
    quiz_question_list_active,
    quiz_submit,
    traits_for_display,
    traits_get_for_profile,
)


class PromptCatalogApi(APIView):
    @extend_schema(
        summary="The prompt catalog",
        description="Active prompts, by category and text. Small and returned whole.",
        responses={200: io.PromptCatalogOutput, **error_responses(401)},
        tags=["prompts"],
    )
    def get(self, request: Request) -> Response:
        body = {"results": prompt_list_active(), "next": None}
        return Response(io.PromptCatalogOutput(body).data)


class OwnPromptAnswersApi(APIView):
    @extend_schema(
        summary="My prompt answers",
        description="In display order (position 0 first); at most 3.",
        responses={200: io.PromptAnswerListOutput, **error_responses(401)},
        tags=["prompts"],
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        body = {"results": prompt_answer_list_for_profile(profile_id=request.user.pk), "next": None}
        return Response(io.PromptAnswerListOutput(body).data)

    @extend_schema(
        summary="Answer a prompt",
        description=(
            "The answer (1–300 characters after trimming) goes last. 400 `validation_error` "
            "for an unknown or inactive `prompt_id`; 409 `prompt_already_answered` for a "
            "prompt answered before; 409 `prompt_answer_limit` beyond 3 answers."
        ),
        request=io.PromptAnswerCreateInput,
        responses={201: io.PromptAnswerOutput, **error_responses(400, 401, 409)},
        tags=["prompts"],
    )
    def post(self, request: AuthenticatedRequest) -> Response:
        data = validated(io.PromptAnswerCreateInput, request.data)
        answer = prompt_answer_create(user=request.user, **data)
        return Response(io.PromptAnswerOutput(answer).data, status=status.HTTP_201_CREATED)


class OwnPromptAnswerApi(APIView):
    @extend_schema(
        summary="Edit a prompt answer",
        description=(
            "Change the text and/or move the answer to another position (the others shift). "
            "404 for an answer that is not yours."
        ),
        request=io.PromptAnswerUpdateInput,
        responses={200: io.PromptAnswerOutput, **error_responses(400, 401, 404)},
        tags=["prompts"],
    )
    def patch(self, request: AuthenticatedRequest, answer_id: UUID) -> Response:
        data = validated(io.PromptAnswerUpdateInput, request.data)
        answer = prompt_answer_update(user=request.user, answer_id=answer_id, **data)
        return Response(io.PromptAnswerOutput(answer).data)

    @extend_schema(
        summary="Delete a prompt answer",
        description="The answers after it move up. 404 for an answer that is not yours.",
        request=None,
        responses={204: None, **error_responses(401, 404)},
        tags=["prompts"],
    )
    def delete(self, request: AuthenticatedRequest, answer_id: UUID) -> Response:
        prompt_answer_delete(user=request.user, answer_id=answer_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class QuizApi(APIView):
    @extend_schema(
        summary="The quiz",
        description="Active questions in order, each with its options in order.",
        responses={200: io.QuizOutput, **error_responses(401)},
        tags=["quiz"],
    )
    def get(self, request: Request) -> Response:
        return Response(io.QuizOutput({"questions": quiz_question_list_active()}).data)


class QuizSubmitApi(APIView):
    @extend_schema(
        summary="Submit my quiz answers",
        description=(
            "Answer every active question exactly once with one of its options; earlier "
            "answers are replaced. 400 `validation_error` with per-item errors under "
            "`extra.fields.answers`, keyed by the item's index (or "
            "`extra.missing_question_ids` for questions left out), and nothing is stored; "
            "409 `quiz_unavailable` when no question is active. Returns the traits and the "
            "badges held now (refreshed in the same transaction)."
        ),
        request=io.QuizSubmitInput,
        responses={200: io.QuizResultOutput, **error_responses(400, 401, 409)},
        tags=["quiz"],
    )
    def post(self, request: AuthenticatedRequest) -> Response:
        data = validated(io.QuizSubmitInput, request.data)
        result = quiz_submit(user=request.user, answers=data["answers"])
        return Response(io.QuizResultOutput(result).data)


class OwnTraitsApi(APIView):
    @extend_schema(
        summary="My quiz traits",
        description="Scores 0–100 with their labels; `traits` is null until the quiz is done.",
        responses={200: io.TraitsOutput, **error_responses(401)},
        tags=["quiz"],
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        traits = traits_get_for_profile(profile_id=request.user.pk)
        body = {"quiz_done": traits is not None, "traits": traits_for_display(traits)}
        return Response(io.TraitsOutput(body).data)


class OwnBadgesApi(APIView):
    @extend_schema(
        summary="My badges",
        description="Earned from quiz traits and profile facts; refreshed in the background.",
        responses={200: io.BadgeListOutput, **error_responses(401)},
        tags=["badges"],
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        body = {"results": badge_list_for_profile(profile_id=request.user.pk), "next": None}
        return Response(io.BadgeListOutput(body).data)
