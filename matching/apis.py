"""Likes, passes, rewind and matches (API.md, Matching)."""

from datetime import timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import AuthenticatedRequest
from core.exceptions import NotFound
from core.pagination import CursorPagination
from core.schema import error_responses
from core.validation import validated
from discovery.models import Pass
from matching import serializers as io
from matching.models import Match
from matching.received_count import like_count_received
from matching.selectors import (
    like_list_received,
    like_page_details,
    match_get_open_for_viewer,
    match_list_for_user,
    match_page_details,
)
from matching.services import (
    like_create,
    match_set_state,
    match_unmatch,
    pass_record,
    pass_rewind,
)
from profiles.public import PublicProfileOutput, public_profile_context
from profiles.selectors import profile_get_public_for_viewer

PAGE_PARAMETERS = [
    OpenApiParameter("limit", int, description="Page size (capped)."),
    OpenApiParameter("cursor", str, description="From `next` or `previous`."),
]


class _MatchPagination(CursorPagination):
    ordering = ("-last_activity_at", "-id")  # type: ignore[assignment]  # DRF takes a tuple


class _LikePagination(CursorPagination):
    ordering = ("-created_at", "-id")  # type: ignore[assignment]  # DRF takes a tuple


def _match_body(request: AuthenticatedRequest, match: Match) -> Any:
    page = match_page_details(viewer=request.user, matches=[match])
    if not page.items:
        raise NotFound("No such match.")
    return io.MatchOutput(page.items[0], context=page.context).data


def _pass_body(row: Pass) -> dict[str, Any]:
    return {
        "target_id": row.target_id,
        "created_at": row.created_at,
        "expires_at": row.created_at + timedelta(days=settings.KINDRED_PASS_COOLDOWN_DAYS),
    }


class LikeApi(APIView):
    @extend_schema(
        operation_id="matching_like_create",
        summary="Like someone",
        description=(
            "Like a profile, optionally one of its photos (`photo_id`) or prompt answers "
            "(`prompt_id`), with an optional comment (≤ 300 characters). 201 with the like, and "
            "the match when they had liked you (`match` is null otherwise); 200 with the "
            "existing like when you liked them before (idempotent, nothing counted).\n\n"
            "Refusals change nothing: 400 `cannot_like_self`, `invalid_photo`, "
            "`invalid_prompt` (not theirs or not visible), `comment_required` (your first "
            f"{settings.KINDRED_LIKES_NEEDING_COMMENT} likes need a comment); 404 for a profile "
            "you may not see (unknown, paused, banned, deleted, incognito, blocked either way, "
            "or unmatched from you); 409 `already_matched` (with `extra.match_id`), "
            "`profile_not_discoverable` (your own profile is incomplete or paused); 429 "
            f"`daily_like_limit` ({settings.KINDRED_LIKES_PER_DAY} per day in your time zone; "
            "`Retry-After` and `extra.resets_at`) and `like_rate_limited` (slowed down after "
            "liking too fast or repeating a comment; `Retry-After`)."
        ),
        request=io.LikeInput,
        responses={
            201: io.LikeCreateOutput,
            200: io.LikeCreateOutput,
            **error_responses(400, 401, 404, 409, 429),
        },
        tags=["matching"],
    )
    def post(self, request: AuthenticatedRequest) -> Response:
        data = io.like_input(request.data) or validated(io.LikeInput, request.data)
        result = like_create(actor=request.user, **data)
        match = None
        if result.match is not None:
            result.match.partner_id = result.match.other_user_id(request.user.pk)  # type: ignore[attr-defined]
            match = _match_body(request, result.match)
        body = {"like": io.like_body(result.like), "match": match}
        return Response(body, status=201 if result.created else 200)


class ReceivedLikesApi(APIView):
    @extend_schema(
        operation_id="matching_likes_received",
        summary="Who liked me",
        description=(
            "People who liked me and are not matched with me, newest first, with their "
            "comment and the photo or prompt answer they liked; `count` is the total over all "
            "pages. Left out: anyone blocked either way, paused or no longer visible, and "
            "people I passed on while my pass is active (they come back when it ends). Like "
            "them back to match, or pass on them."
        ),
        parameters=PAGE_PARAMETERS,
        responses={200: io.ReceivedLikePageOutput, **error_responses(401)},
        tags=["matching"],
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        paginator = _LikePagination()
        likes = list(
            paginator.paginate_queryset(like_list_received(user=request.user), request, view=self)
            or []
        )
        page = like_page_details(viewer=request.user, likes=likes)
        data = io.ReceivedLikeOutput(page.items, many=True, context=page.context).data
        response = paginator.get_paginated_response(data)
        response.data["count"] = like_count_received(user_id=request.user.pk)
        return response


class PassApi(APIView):
    @extend_schema(
        operation_id="matching_pass_create",
        summary="Pass on someone",
        description=(
            f"Hides the profile from your deck, search and picks for "
            f"{settings.KINDRED_PASS_COOLDOWN_DAYS} days (the cooldown), then it may come "
            "back; a like they sent you is hidden as long. Passing again restarts the "
            "cooldown. 400 `cannot_pass_self`; 404 for profiles you may not see (including "
            "people you liked or matched)."
        ),
        request=io.PassInput,
        responses={201: io.PassOutput, **error_responses(400, 401, 404)},
        tags=["matching"],
    )
    def post(self, request: AuthenticatedRequest) -> Response:
        data = validated(io.PassInput, request.data)
        row = pass_record(actor=request.user, target_id=data["target_id"])
        return Response(io.PassOutput(_pass_body(row)).data, status=201)


class RewindApi(APIView):
    @extend_schema(
        operation_id="matching_rewind",
        summary="Undo my last pass",
        description=(
            "Undoes my most recent pass still in its cooldown; each pass can be undone once, "
            "so rewinding again undoes the one before. Returns the undone pass and the "
            "person's card to show again (null if they are no longer visible). 409 "
            "`nothing_to_rewind` when there is no pass to undo."
        ),
        request=None,
        responses={200: io.RewindOutput, **error_responses(401, 409)},
        tags=["matching"],
    )
    def post(self, request: AuthenticatedRequest) -> Response:
        undone = pass_rewind(actor=request.user)
        try:
            profile = profile_get_public_for_viewer(viewer=request.user, user_id=undone.target_id)
        except NotFound:
            card = None
        else:
            context = public_profile_context(viewer=request.user, profiles=[profile])
            card = PublicProfileOutput(profile, context=context).data
        body = {"undone": io.PassOutput(_pass_body(undone)).data, "profile": card}
        return Response(body)


class MatchListApi(APIView):
    @extend_schema(
        operation_id="matching_matches_list",
        summary="My matches",
        description=(
            "My open matches (active, dating, archived), most recent activity first, each "
            "with the other person's card, the last message and my unread count. The "
            "conversation of a match has the match's id. Unmatched and deleted matches, and "
            "anyone blocked either way, are left out."
        ),
        parameters=PAGE_PARAMETERS,
        responses={200: io.MatchPageOutput, **error_responses(401)},
        tags=["matching"],
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        paginator = _MatchPagination()
        matches = list(
            paginator.paginate_queryset(match_list_for_user(user=request.user), request, view=self)
            or []
        )
        page = match_page_details(viewer=request.user, matches=matches)
        data = io.MatchOutput(page.items, many=True, context=page.context).data
        return paginator.get_paginated_response(data)


class MatchDetailApi(APIView):
    @extend_schema(
        operation_id="matching_match_get",
        summary="One of my matches",
        description="404 when it is not mine, has ended, or a block stands between us.",
        responses={200: io.MatchOutput, **error_responses(401, 404)},
        tags=["matching"],
    )
    def get(self, request: AuthenticatedRequest, match_id: UUID) -> Response:
        match = match_get_open_for_viewer(user=request.user, match_id=match_id)
        return Response(_match_body(request, match))

    @extend_schema(
        operation_id="matching_match_update",
        summary="Move a match to another state",
        description=(
            "`dating` (you are seeing each other), `archived` (out of the way; a new message "
            "makes it active again) or back to `active`. Setting the current state again "
            "changes nothing. Allowed between any two of these three; a match that ended "
            "(unmatched, deleted) never moves again: 409 `invalid_state_transition`. "
            "Unmatching has its own endpoint. 404 when the match is not yours."
        ),
        request=io.MatchStateInput,
        responses={200: io.MatchOutput, **error_responses(400, 401, 404, 409)},
        tags=["matching"],
    )
    def patch(self, request: AuthenticatedRequest, match_id: UUID) -> Response:
        data = validated(io.MatchStateInput, request.data)
        match_set_state(user=request.user, match_id=match_id, state=data["state"])
        match = match_get_open_for_viewer(user=request.user, match_id=match_id)
        return Response(_match_body(request, match))


class UnmatchApi(APIView):
    @extend_schema(
        operation_id="matching_match_unmatch",
        summary="Unmatch",
        description=(
            "Ends the match for good: the conversation closes at once, and neither of you "
            "sees the other again (deck, search, likes, matches, profile). 204; 404 when the "
            "match is not yours or has already ended."
        ),
        request=None,
        responses={204: None, **error_responses(401, 404)},
        tags=["matching"],
    )
    def post(self, request: AuthenticatedRequest, match_id: UUID) -> Response:
        match_unmatch(user=request.user, match_id=match_id)
        return Response(status=204)
