"""In-app notifications, push devices and notification preferences (all of the caller's)."""

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import AuthenticatedRequest
from core.pagination import CursorPagination
from core.schema import error_responses
from core.validation import validated
from notifications import serializers as io
from notifications.models import NotificationPreference
from notifications.selectors import (
    notification_list_for_user,
    notification_preferences_for_user,
    notification_unread_count,
)
from notifications.services import (
    notification_preferences_update,
    notifications_mark_read,
    push_device_register,
    push_device_unregister,
)


class NotificationListApi(APIView):
    @extend_schema(
        summary="My notifications",
        description=(
            "Newest first, with cursor pagination (`limit` up to 50, `cursor` from `next`). "
            "`unread_count` counts all your unread notifications, whatever the page. "
            "Online clients also receive each new one on the socket "
            '(`{"type": "notifications.created", "notification", "unread_count"}`).'
        ),
        parameters=[
            io.NotificationListQuery,
            OpenApiParameter("limit", int, description="Page size (capped at 50)."),
            OpenApiParameter("cursor", str, description="From `next` or `previous`."),
        ],
        responses={200: io.NotificationPageOutput, **error_responses(400, 401)},
        tags=["notifications"],
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        query = validated(io.NotificationListQuery, request.query_params)
        paginator = CursorPagination()
        page = paginator.paginate_queryset(
            notification_list_for_user(user=request.user, unread_only=query["unread"]),
            request,
            view=self,
        )
        response = paginator.get_paginated_response(
            io.NotificationOutput(page or [], many=True).data
        )
        response.data["unread_count"] = notification_unread_count(user=request.user)
        return response


class NotificationReadApi(APIView):
    @extend_schema(
        summary="Mark notifications read",
        description=(
            "`{ids: [...]}` (up to 100) or `{all: true}`. Ids that are not yours, unknown or "
            "already read are ignored (the answer is the same for all three), so nothing "
            "is revealed about other people's notifications. Idempotent. Your other "
            'sockets get `{"type": "notifications.read", "ids", "unread_count"}`.'
        ),
        request=io.NotificationReadInput,
        responses={200: io.NotificationReadOutput, **error_responses(400, 401)},
        tags=["notifications"],
    )
    def post(self, request: AuthenticatedRequest) -> Response:
        data = validated(io.NotificationReadInput, request.data)
        result = notifications_mark_read(
            user=request.user, ids=data.get("ids"), everything=data.get("all", False)
        )
        return Response(
            io.NotificationReadOutput(
                {"updated": result.updated, "unread_count": result.unread_count}
            ).data
        )


class PushDeviceApi(APIView):
    @extend_schema(
        summary="Register a push device",
        description=(
            "Upsert of this install's push token: 201 when it is new to your account, 200 "
            "when it was already yours (the platform is updated). A token registered by "
            "another account before moves to yours. Pushes go to your devices only while "
            "you have no open socket."
        ),
        request=io.PushDeviceInput,
        responses={
            201: io.PushDeviceOutput,
            200: io.PushDeviceOutput,
            **error_responses(400, 401),
        },
        tags=["notifications"],
    )
    def post(self, request: AuthenticatedRequest) -> Response:
        data = validated(io.PushDeviceInput, request.data)
        result = push_device_register(user=request.user, **data)
        return Response(
            io.PushDeviceOutput(result.device).data, status=201 if result.created else 200
        )

    @extend_schema(
        summary="Unregister a push device",
        description=(
            "Body `{token}`. 204 whether or not the token was registered to you: unknown "
            "tokens and other people's are left alone, and the answer does not tell them apart."
        ),
        request=io.PushDeviceDeleteInput,
        responses={204: None, **error_responses(400, 401)},
        tags=["notifications"],
    )
    def delete(self, request: AuthenticatedRequest) -> Response:
        data = validated(io.PushDeviceDeleteInput, request.data)
        push_device_unregister(user=request.user, token=data["token"])
        return Response(status=204)


class NotificationPreferencesApi(APIView):
    @extend_schema(
        summary="My notification preferences",
        description=(
            "Push on or off per kind, and quiet hours (local times in your time zone, "
            "`User.time_zone`) during which nothing is pushed. The in-app list keeps every "
            "notification either way."
        ),
        responses={200: io.NotificationPreferencesOutput, **error_responses(401)},
        tags=["notifications"],
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        preference = notification_preferences_for_user(user=request.user)
        return Response(self._body(request, preference))

    @extend_schema(
        summary="Change notification preferences",
        description=(
            "Partial: `kinds` names only the kinds to change (unknown kinds are 400); "
            '`quiet_hours` `{"start": "22:00", "end": "07:00"}` sets them (a range may '
            "wrap midnight; start and end must differ), null clears them, absent keeps them."
        ),
        request=io.NotificationPreferencesInput,
        responses={200: io.NotificationPreferencesOutput, **error_responses(400, 401)},
        tags=["notifications"],
    )
    def patch(self, request: AuthenticatedRequest) -> Response:
        data = validated(io.NotificationPreferencesInput, request.data)
        changes: dict[str, Any] = {}
        if "quiet_hours" in data:
            hours = data["quiet_hours"]
            changes["quiet_hours"] = (hours["start"], hours["end"]) if hours else None
        preference = notification_preferences_update(
            user=request.user, kinds=data.get("kinds"), **changes
        )
        return Response(self._body(request, preference))

    @staticmethod
    def _body(request: AuthenticatedRequest, preference: NotificationPreference) -> Any:
        body = io.preferences_body(preference, time_zone=request.user.time_zone)
        return io.NotificationPreferencesOutput(body).data
