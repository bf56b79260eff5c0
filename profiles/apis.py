"""Own profile, location, verification and other people's public profiles."""

from typing import Any
from uuid import UUID

from drf_spectacular.utils import extend_schema
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from accounts.authentication import AuthenticatedRequest
from core.schema import error_responses
from core.validation import validated
from profiles import serializers as io
from profiles.onboarding import completion_percent, is_complete
from profiles.public import PublicProfileOutput, public_profile_context
from profiles.selectors import profile_get_own, profile_get_public_for_viewer, profile_onboarding
from profiles.services import (
    profile_set_location,
    profile_update,
    verification_state,
    verification_submit,
)
from profiles.throttles import VerificationSubmitThrottle


def _own_profile_response(request: AuthenticatedRequest) -> Response:
    profile = profile_get_own(user=request.user)
    steps = profile_onboarding(profile=profile)
    onboarding = {
        "steps": steps,
        "completion_percent": completion_percent(steps),
        "is_complete": is_complete(steps),
    }
    return Response(io.OwnProfileOutput(profile, context={"onboarding": onboarding}).data)


class OwnProfileApi(APIView):
    @extend_schema(
        summary="My profile",
        description="All my profile fields, my snapped location and each onboarding step.",
        responses={200: io.OwnProfileOutput, **error_responses(401)},
        tags=["profile"],
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        return _own_profile_response(request)

    @extend_schema(
        summary="Edit my profile",
        description="Partial update. 18+ only; age range ordered; interests from the catalog.",
        request=io.ProfileUpdateInput,
        responses={200: io.OwnProfileOutput, **error_responses(400, 401)},
        tags=["profile"],
    )
    def patch(self, request: AuthenticatedRequest) -> Response:
        profile_update(user=request.user, data=validated(io.ProfileUpdateInput, request.data))
        return _own_profile_response(request)


class LocationApi(APIView):
    @extend_schema(
        summary="Set my location",
        description=(
            "Stored snapped to a ~1 km grid; the exact point is never kept. 400 "
            "`impossible_travel` for a jump faster than an airliner; 429 when updated too often."
        ),
        request=io.LocationInput,
        responses={200: io.LocationOutput, **error_responses(400, 401, 429)},
        tags=["profile"],
    )
    def put(self, request: AuthenticatedRequest) -> Response:
        profile = profile_set_location(
            user=request.user, **validated(io.LocationInput, request.data)
        )
        return Response(io.OwnProfileOutput._location(profile))


class PublicProfileApi(APIView):
    @extend_schema(
        summary="Someone's profile",
        description=(
            "The public view: age, distance bucket, approved photos, prompts, badges. Never "
            "email, phone, birth date or coordinates. 404 for hidden profiles."
        ),
        responses={200: PublicProfileOutput, **error_responses(401, 404)},
        tags=["profile"],
    )
    def get(self, request: AuthenticatedRequest, user_id: UUID) -> Response:
        profile = profile_get_public_for_viewer(viewer=request.user, user_id=user_id)
        context: dict[str, Any] = public_profile_context(viewer=request.user, profiles=[profile])
        return Response(PublicProfileOutput(profile, context=context).data)


class VerificationApi(APIView):
    parser_classes = [MultiPartParser]

    def get_throttles(self) -> list[BaseThrottle]:
        return [VerificationSubmitThrottle()] if self.request.method == "POST" else []

    @extend_schema(
        summary="My verification",
        description=(
            "Status, and when an attempt may start, a challenge: a pose chosen at random for "
            "this attempt, valid for 10 minutes and answerable once."
        ),
        responses={200: io.VerificationStatusOutput, **error_responses(401)},
        tags=["profile"],
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        state = verification_state(user=request.user)
        return Response(io.VerificationStatusOutput(_state_body(state)).data)

    @extend_schema(
        summary="Answer the verification challenge",
        description="A selfie showing the challenge's pose; it then waits for a moderator.",
        request={"multipart/form-data": io.VerificationSubmitInput},
        responses={202: io.VerificationStatusOutput, **error_responses(400, 401, 404, 409, 413)},
        tags=["profile"],
    )
    def post(self, request: AuthenticatedRequest) -> Response:
        data = validated(io.VerificationSubmitInput, request.data)
        verification_submit(user=request.user, **data)
        state = verification_state(user=request.user)
        return Response(io.VerificationStatusOutput(_state_body(state)).data, status=202)


def _state_body(state: Any) -> dict[str, Any]:
    challenge = state.challenge
    return {
        "status": state.status,
        "is_verified": state.is_verified,
        "review_note": state.review_note,
        "challenge": {
            "id": challenge.id,
            "pose": challenge.pose,
            "instruction": challenge.get_pose_display(),
            "expires_at": challenge.challenge_expires_at,
        }
        if challenge
        else None,
    }
