"""Search, daily picks, the shortlist and pair compatibility."""

from typing import Any
from uuid import UUID

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from accounts.authentication import AuthenticatedRequest
from core.pagination import CursorPagination
from core.schema import error_responses
from core.validation import validated
from discovery import other_serializers as io
from discovery.picks import picks_for
from discovery.search import SearchInput, search_parse, search_profiles_for_viewer
from discovery.shortlist_services import (
    shortlist_add,
    shortlist_list_for_owner,
    shortlist_profiles,
    shortlist_remove,
)
from profiles.compatibility import compatibility_for
from profiles.models import Profile
from profiles.public import PublicProfileOutput, public_profile_context
from profiles.selectors import profile_get_public_for_viewer


class SearchApi(APIView):
    @extend_schema(
        summary="Search profiles",
        description=(
            "Matrimony-style filters over the people you may see (the deck's rules: two-way "
            "preferences, privacy switches, blocks, passes). Unknown parameters, unknown sort "
            "keys, inverted ranges and a `limit` above the cap are 400 `validation_error` "
            "with the fields under `extra.fields`. 400 `location_required` for a distance "
            "filter or sort without a location of your own. The `distance` sort orders by "
            "the shown distance bucket, then by id, so order reveals no finer distance."
        ),
        parameters=[SearchInput],
        responses={200: io.SearchPageOutput, **error_responses(400, 401)},
        tags=["discovery"],
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        filters = search_parse(request.query_params)
        page = search_profiles_for_viewer(viewer=request.user, filters=filters)
        context = public_profile_context(viewer=request.user, profiles=page.profiles)
        next_url = (
            replace_query_param(request.build_absolute_uri(), "cursor", page.next_cursor)
            if page.next_cursor
            else None
        )
        body = {
            "results": PublicProfileOutput(page.profiles, many=True, context=context).data,
            "next": next_url,
            "previous": None,
        }
        return Response(body)


class PicksApi(APIView):
    @extend_schema(
        summary="Today's picks",
        description=(
            "A few of the most compatible people within your distance (by quiz traits), "
            "chosen once per day in your time zone: the same people all day. Anyone hidden, "
            "blocked or passed since is dropped, not replaced. 409 `quiz_incomplete` until "
            "you have finished the quiz."
        ),
        responses={200: io.PicksOutput, **error_responses(401, 409, 503)},
        tags=["discovery"],
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        result = picks_for(viewer=request.user)
        profiles = [pick.profile for pick in result.picks]
        context = public_profile_context(viewer=request.user, profiles=profiles)
        items = [
            {
                "profile": pick.profile,
                "compatibility": {
                    "score": pick.compatibility.score,
                    "reasons": list(pick.compatibility.reasons),
                },
            }
            for pick in result.picks
        ]
        return Response(
            io.PicksOutput({"date": result.day, "results": items}, context=context).data
        )


class ShortlistApi(APIView):
    @extend_schema(
        summary="My shortlist",
        description=(
            "Profiles I saved, newest first, as public cards. Profiles no longer visible to "
            "me (paused, blocked, passed) are left out while hidden."
        ),
        parameters=[
            OpenApiParameter("limit", int, description="Page size (capped)."),
            OpenApiParameter("cursor", str, description="From `next` or `previous`."),
        ],
        responses={200: io.ShortlistPageOutput, **error_responses(401)},
        tags=["discovery"],
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        paginator = CursorPagination()
        entries = list(
            paginator.paginate_queryset(
                shortlist_list_for_owner(owner=request.user), request, view=self
            )
            or []
        )
        profiles = shortlist_profiles(entries=entries)
        context = public_profile_context(viewer=request.user, profiles=list(profiles.values()))
        items = [
            {"profile": profiles[entry.target_id], "saved_at": entry.created_at}
            for entry in entries
            if entry.target_id in profiles
        ]
        data = io.ShortlistEntryOutput(items, many=True, context=context).data
        return paginator.get_paginated_response(data)

    @extend_schema(
        summary="Save a profile",
        description=(
            "201 when saved now, 200 when it was already saved (idempotent). 404 for "
            "yourself and for profiles you may not see."
        ),
        request=io.ShortlistInput,
        responses={
            201: io.ShortlistEntryOutput,
            200: io.ShortlistEntryOutput,
            **error_responses(400, 401, 404),
        },
        tags=["discovery"],
    )
    def post(self, request: AuthenticatedRequest) -> Response:
        data = validated(io.ShortlistInput, request.data)
        result = shortlist_add(owner=request.user, profile_id=data["profile_id"])
        return Response(
            _entry_body(request, result.entry.target_id, result.entry.created_at),
            status=201 if result.created else 200,
        )


def _entry_body(request: AuthenticatedRequest, profile_id: UUID, saved_at: Any) -> Any:
    profile = Profile.objects.prefetch_related("interests").get(pk=profile_id)
    context = public_profile_context(viewer=request.user, profiles=[profile])
    return io.ShortlistEntryOutput({"profile": profile, "saved_at": saved_at}, context=context).data


class ShortlistEntryApi(APIView):
    @extend_schema(
        summary="Remove a saved profile",
        description=(
            "204 when removed; 404 when the profile is not on your shortlist, so a repeated "
            "DELETE answers 404 (treat it as done)."
        ),
        responses={204: None, **error_responses(401, 404)},
        tags=["discovery"],
    )
    def delete(self, request: AuthenticatedRequest, profile_id: UUID) -> Response:
        shortlist_remove(owner=request.user, profile_id=profile_id)
        return Response(status=204)


class CompatibilityApi(APIView):
    @extend_schema(
        summary="Compatibility with someone",
        description=(
            "Score 0–100 from both quizzes, a label per trait and a few reasons. For any "
            "profile you may view (404 otherwise, as for the profile itself); 409 "
            "`quiz_incomplete` when either of you has not finished the quiz; 400 "
            "`same_profile` for yourself."
        ),
        responses={200: io.CompatibilityOutput, **error_responses(400, 401, 404, 409)},
        tags=["discovery"],
    )
    def get(self, request: AuthenticatedRequest, user_id: UUID) -> Response:
        other = profile_get_public_for_viewer(viewer=request.user, user_id=user_id)
        mine = Profile.objects.get(pk=request.user.pk)
        row = compatibility_for(profile_a=mine, profile_b=other)
        body = {
            "profile_id": other.pk,
            "score": row.score,
            "traits": row.details.get("traits", {}),
            "reasons": row.details.get("reasons", []),
        }
        return Response(io.CompatibilityOutput(body).data)
