"""Blocks, reports, my sanctions and appeals. Moderators work in the admin, not here."""

from uuid import UUID

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import AuthenticatedRequest, JWTAuthentication
from accounts.throttles import LoginAccountThrottle, LoginIpThrottle
from core.pagination import CursorPagination
from core.schema import error_responses
from core.throttling import UserThrottle
from core.validation import validated
from moderation import serializers as io
from moderation.restricted import RestrictedSessionAuthentication, restricted_session_create
from moderation.sanction_services import appeal_create
from moderation.selectors import block_list_for_blocker, sanction_list_for_user
from moderation.services import block_create, block_delete, report_create

_PAGE_PARAMETERS = [
    OpenApiParameter("limit", int, description="Page size (capped)."),
    OpenApiParameter("cursor", str, description="From `next` or `previous`."),
]


class AppealUserThrottle(UserThrottle):
    scope = "appeal_user"


class BlocksApi(APIView):
    @extend_schema(
        summary="People I blocked",
        description="Newest first.",
        parameters=_PAGE_PARAMETERS,
        responses={200: io.BlockPageOutput, **error_responses(401)},
        tags=["moderation"],
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        paginator = CursorPagination()
        page = paginator.paginate_queryset(
            block_list_for_blocker(blocker=request.user), request, view=self
        )
        return paginator.get_paginated_response(io.BlockOutput(page, many=True).data)

    @extend_schema(
        summary="Block someone",
        description=(
            "Each of you disappears for the other everywhere: deck, search, picks, likes, "
            "matches (yours ends), chat (closed), profile views (404). 201 when blocked now, "
            "200 when already blocked (idempotent). 400 `cannot_block_self`; 404 unknown "
            "person."
        ),
        request=io.BlockInput,
        responses={201: io.BlockOutput, 200: io.BlockOutput, **error_responses(400, 401, 404)},
        tags=["moderation"],
    )
    def post(self, request: AuthenticatedRequest) -> Response:
        data = validated(io.BlockInput, request.data)
        result = block_create(blocker=request.user, user_id=data["user_id"])
        return Response(io.BlockOutput(result.block).data, status=201 if result.created else 200)


class BlockApi(APIView):
    @extend_schema(
        summary="Unblock someone",
        description="204 whether or not they were blocked. A match ended by the block stays ended.",
        responses={204: None, **error_responses(401)},
        tags=["moderation"],
    )
    def delete(self, request: AuthenticatedRequest, user_id: UUID) -> Response:
        block_delete(blocker=request.user, user_id=user_id)
        return Response(status=204)


class ReportsApi(APIView):
    @extend_schema(
        summary="Report someone",
        description=(
            "Also blocks them. Their profile as it is now, the messages you point at and your "
            "latest messages together are kept as evidence for moderators only. Reporting "
            "the same person again while your report is open adds to it: 201 for a new "
            "report, 200 when added to the open one. 400 `cannot_report_self`, "
            "`invalid_message_ids` (not messages of your conversation with them); 404 "
            "unknown person; 429 `report_rate_limited`."
        ),
        request=io.ReportInput,
        responses={
            201: io.ReportOutput,
            200: io.ReportOutput,
            **error_responses(400, 401, 404, 429),
        },
        tags=["moderation"],
    )
    def post(self, request: AuthenticatedRequest) -> Response:
        data = validated(io.ReportInput, request.data)
        result = report_create(
            reporter=request.user,
            user_id=data["user_id"],
            reason=data["reason"],
            details=data["details"],
            message_ids=data["message_ids"],
        )
        return Response(io.ReportOutput(result.report).data, status=201 if result.created else 200)


class SanctionsApi(APIView):
    # Banned and suspended people get here with a restricted session (appeal-session).
    authentication_classes = [JWTAuthentication, RestrictedSessionAuthentication]

    @extend_schema(
        summary="Decisions about my account",
        description=(
            "Warnings, suspensions, bans, removed content, each with the policy reason and "
            "whether I may still appeal. Also readable with a restricted session."
        ),
        parameters=_PAGE_PARAMETERS,
        responses={200: io.SanctionPageOutput, **error_responses(401)},
        tags=["moderation"],
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        paginator = CursorPagination()
        page = paginator.paginate_queryset(
            sanction_list_for_user(user=request.user), request, view=self
        )
        return paginator.get_paginated_response(io.SanctionOutput(page, many=True).data)


class SanctionAppealApi(APIView):
    authentication_classes = [JWTAuthentication, RestrictedSessionAuthentication]
    throttle_classes = [AppealUserThrottle]

    @extend_schema(
        summary="Appeal a decision",
        description=(
            "Once per decision, within the appeal window; a moderator other than the one "
            "who decided reviews it. 404 not mine; 409 `already_appealed`, "
            "`appeal_window_closed`, `sanction_overturned`."
        ),
        request=io.AppealInput,
        responses={201: io.AppealOutput, **error_responses(400, 401, 404, 409, 429)},
        tags=["moderation"],
    )
    def post(self, request: AuthenticatedRequest, sanction_id: UUID) -> Response:
        data = validated(io.AppealInput, request.data)
        appeal = appeal_create(user=request.user, sanction_id=sanction_id, message=data["message"])
        return Response(io.AppealOutput(appeal).data, status=201)


class AppealSessionApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [LoginIpThrottle, LoginAccountThrottle]

    @extend_schema(
        summary="Restricted session for a banned or suspended account",
        description=(
            "Banned and suspended people cannot sign in. With their password (and code, "
            "with MFA on) they get a short-lived token for `GET /moderation/sanctions` and "
            "`POST /moderation/sanctions/{id}/appeal` only: `Authorization: Restricted "
            "<token>`. 401 `invalid_credentials`, `mfa_required`, `invalid_otp`; 409 "
            "`not_restricted` for an account in good standing."
        ),
        request=io.RestrictedSessionInput,
        responses={201: io.RestrictedSessionOutput, **error_responses(400, 401, 409, 429)},
        tags=["moderation"],
        auth=[],
    )
    def post(self, request: Request) -> Response:
        data = validated(io.RestrictedSessionInput, request.data)
        session = restricted_session_create(
            request=request,
            email=data["email"],
            password=data["password"],
            otp=data.get("otp") or None,
        )
        return Response(io.RestrictedSessionOutput(session).data, status=201)
