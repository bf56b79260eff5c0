"""Account lifecycle endpoints: email verification, password reset, MFA, data export."""

from datetime import timedelta

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import serializers as io
from accounts.authentication import AuthenticatedRequest, JWTAuthentication
from accounts.email_services import (
    email_verification_request,
    email_verify,
    password_reset_confirm,
    password_reset_request,
)
from accounts.export_services import ExportState, data_export_request, data_export_state
from accounts.mfa_services import mfa_confirm, mfa_disable, mfa_setup
from accounts.throttles import (
    EmailVerifyResendUserThrottle,
    PasswordResetAccountThrottle,
    PasswordResetIpThrottle,
    TokenConfirmIpThrottle,
)
from core.schema import error_responses
from core.validation import validated

PASSWORD_RESET_ANSWER = "If an account has this email address, a reset link is on its way."


class EmailAndPasswordViewSet(viewsets.GenericViewSet):
    """Links mailed to people: verify the address, reset a forgotten password.

    Public: any Authorization header is ignored.
    """

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        summary="Verify the email address",
        description=(
            "The token of the link mailed at sign-up. Idempotent; 400 `invalid_token` for a "
            "forged or expired token, or one sent to an address the account no longer has."
        ),
        request=io.TokenInput,
        responses={200: io.EmailVerifiedOutput, **error_responses(400, 429)},
        tags=["auth"],
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="email/verify",
        throttle_classes=[TokenConfirmIpThrottle],
    )
    def email_verify(self, request: Request) -> Response:
        user = email_verify(**validated(io.TokenInput, request.data))
        return Response(io.EmailVerifiedOutput(user).data)

    @extend_schema(
        summary="Ask for a password-reset link",
        description=(
            "Always 202 with the same body, whether or not an account has this email (the "
            "lookup happens in a background job). The link works once, for "
            "PASSWORD_RESET_TIMEOUT seconds (default one hour)."
        ),
        request=io.PasswordResetInput,
        responses={202: io.AcceptedOutput, **error_responses(400, 429)},
        tags=["auth"],
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="password/reset",
        throttle_classes=[PasswordResetIpThrottle, PasswordResetAccountThrottle],
    )
    def password_reset(self, request: Request) -> Response:
        password_reset_request(**validated(io.PasswordResetInput, request.data))
        return Response({"message": PASSWORD_RESET_ANSWER}, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="Set a new password from a reset link",
        description=(
            "400 `invalid_token` for a used, expired or forged link; 400 `validation_error` "
            "(`extra.fields.password`) for a weak password, the link then still works. "
            "Ends every session of the account."
        ),
        request=io.PasswordResetConfirmInput,
        responses={204: None, **error_responses(400, 429)},
        tags=["auth"],
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="password/reset/confirm",
        throttle_classes=[TokenConfirmIpThrottle],
    )
    def password_reset_confirm(self, request: Request) -> Response:
        password_reset_confirm(**validated(io.PasswordResetConfirmInput, request.data))
        return Response(status=status.HTTP_204_NO_CONTENT)


class AccountSecurityViewSet(viewsets.GenericViewSet):
    """The signed-in person's second factor and email verification."""

    permission_classes = [IsAuthenticated]
    authentication_classes = [JWTAuthentication]

    @extend_schema(
        summary="Send the verification email again",
        description="409 `email_already_verified` when it is.",
        request=None,
        responses={202: io.AcceptedOutput, **error_responses(401, 409, 429)},
        tags=["auth"],
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="email/verify/resend",
        throttle_classes=[EmailVerifyResendUserThrottle],
    )
    def email_verify_resend(self, request: AuthenticatedRequest) -> Response:
        email_verification_request(user=request.user)
        return Response(
            {"message": "A verification link is on its way."}, status=status.HTTP_202_ACCEPTED
        )

    @extend_schema(
        summary="Start two-factor setup",
        description=(
            "A new TOTP secret, as text, as an otpauth URL and as a QR code (PNG data URL). "
            "Nothing changes for sign-in until `/auth/mfa/confirm`. A second call replaces "
            "the pending secret. 409 `mfa_already_enabled`."
        ),
        request=None,
        responses={200: io.MfaSetupOutput, **error_responses(401, 409)},
        tags=["auth"],
    )
    @action(detail=False, methods=["post"], url_path="mfa/setup")
    def mfa_setup(self, request: AuthenticatedRequest) -> Response:
        setup = mfa_setup(user=request.user)
        return Response(io.MfaSetupOutput(setup).data)

    @extend_schema(
        summary="Turn two-factor authentication on",
        description=(
            "A current code from the app confirms the setup. Returns 10 recovery codes, "
            "shown only this once. From now on `POST /auth/login` needs `otp`: without it "
            "401 `mfa_required`, wrong or reused 401 `invalid_otp`. Here: 400 `invalid_otp`, "
            "409 `mfa_setup_required` / `mfa_already_enabled`, 429 `mfa_rate_limited`."
        ),
        request=io.MfaCodeInput,
        responses={200: io.MfaConfirmOutput, **error_responses(400, 401, 409, 429)},
        tags=["auth"],
    )
    @action(detail=False, methods=["post"], url_path="mfa/confirm")
    def mfa_confirm(self, request: AuthenticatedRequest) -> Response:
        codes = mfa_confirm(user=request.user, **validated(io.MfaCodeInput, request.data))
        return Response(io.MfaConfirmOutput({"recovery_codes": codes}).data)

    @extend_schema(
        summary="Turn two-factor authentication off",
        description=(
            "Needs the password and a current code (or a recovery code). 400 "
            "`wrong_password` / `invalid_otp`, 409 `mfa_not_enabled`, 429 `mfa_rate_limited`."
        ),
        request=io.MfaDisableInput,
        responses={204: None, **error_responses(400, 401, 409, 429)},
        tags=["auth"],
    )
    @action(detail=False, methods=["post"], url_path="mfa/disable")
    def mfa_disable(self, request: AuthenticatedRequest) -> Response:
        mfa_disable(user=request.user, **validated(io.MfaDisableInput, request.data))
        return Response(status=status.HTTP_204_NO_CONTENT)


class DataExportViewSet(viewsets.GenericViewSet):
    """A copy of everything Kindred holds on me."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Ask for a data export",
        description=(
            "Builds a ZIP (JSON per part of the app, plus your photo originals) in the "
            "background; an `export_ready` notification follows. One per day: 429 "
            "`export_rate_limited` with Retry-After."
        ),
        request=None,
        responses={202: io.DataExportOutput, **error_responses(401, 429)},
        tags=["account"],
    )
    def create(self, request: AuthenticatedRequest) -> Response:
        export = data_export_request(user=request.user)
        state = ExportState(
            export=export,
            download_url=None,
            next_export_at=export.created_at
            + timedelta(hours=settings.KINDRED_EXPORT_INTERVAL_HOURS),
        )
        return Response(io.DataExportOutput(state).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="My latest data export",
        description=(
            "Status, and when ready a signed download link valid for a short time (ask "
            "again for a fresh one until `expires_at`). 404 `export_not_found`."
        ),
        responses={200: io.DataExportOutput, **error_responses(401, 404)},
        tags=["account"],
    )
    def retrieve(self, request: AuthenticatedRequest) -> Response:
        return Response(io.DataExportOutput(data_export_state(user=request.user)).data)
