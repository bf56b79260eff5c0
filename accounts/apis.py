from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import serializers as io
from accounts.authentication import AuthenticatedRequest, JWTAuthentication
from accounts.deletion_services import account_deletion_request, account_erase_after
from accounts.services import (
    token_logout,
    token_refresh,
    user_change_password,
    user_login,
    user_logout_all,
    user_signup,
    user_update,
)
from accounts.throttles import (
    AccountDeleteUserThrottle,
    LoginAccountThrottle,
    LoginIpThrottle,
    PasswordChangeUserThrottle,
    RefreshIpThrottle,
    SignupAccountThrottle,
    SignupIpThrottle,
)
from core.schema import error_responses
from core.validation import validated


class AuthViewSet(viewsets.GenericViewSet):
    """Sign-up, sign-in and sessions: a 30-minute access token and a rotating refresh token.

    The public actions ignore any Authorization header, so that a stale access token sent
    out of habit never stands in the way of signing in or refreshing.
    """

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        summary="Create an account",
        description="409 `email_taken` / `phone_taken` for duplicates.",
        request=io.SignupInput,
        responses={201: io.SignupOutput, **error_responses(400, 409, 429)},
        tags=["auth"],
    )
    @action(
        detail=False, methods=["post"], throttle_classes=[SignupIpThrottle, SignupAccountThrottle]
    )
    def signup(self, request: Request) -> Response:
        result = user_signup(request=request, **validated(io.SignupInput, request.data))
        body = {"user": result.user, **vars(result.tokens)}
        return Response(io.SignupOutput(body).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Sign in",
        description=(
            "Wrong password and unknown email both give 401 `invalid_credentials`; banned or "
            "suspended accounts get 403 `account_banned` / `account_suspended`. With "
            "two-factor authentication on, `otp` is required: 401 `mfa_required` without "
            "it (the password was right: ask for the code and send both again), 401 "
            "`invalid_otp` for a wrong, expired or already used code, 429 "
            "`mfa_rate_limited`. Signing in to an account waiting for deletion cancels the "
            "deletion (`deletion_cancelled: true`). A sign-in from a new device or network "
            "mails a notice."
        ),
        request=io.LoginInput,
        responses={200: io.LoginOutput, **error_responses(400, 401, 403, 429)},
        tags=["auth"],
    )
    @action(
        detail=False, methods=["post"], throttle_classes=[LoginIpThrottle, LoginAccountThrottle]
    )
    def login(self, request: Request) -> Response:
        data = validated(io.LoginInput, request.data)
        result = user_login(
            request=request, email=data["email"], password=data["password"], otp=data.get("otp")
        )
        body = {
            "user": result.user,
            "deletion_cancelled": result.deletion_cancelled,
            **vars(result.tokens),
        }
        return Response(io.LoginOutput(body).data)

    @extend_schema(
        summary="Rotate the refresh token",
        description=(
            "The presented refresh token dies. Presenting it again is treated as theft: every "
            "session of the account ends (401 `token_reused`)."
        ),
        request=io.RefreshInput,
        responses={200: io.TokenPairOutput, **error_responses(400, 401, 403, 429)},
        tags=["auth"],
    )
    @action(detail=False, methods=["post"], throttle_classes=[RefreshIpThrottle])
    def refresh(self, request: Request) -> Response:
        tokens = token_refresh(**validated(io.RefreshInput, request.data))
        return Response(io.TokenPairOutput(tokens).data)

    @extend_schema(
        summary="Sign out this session",
        description="Blacklists the given refresh token. Idempotent.",
        request=io.RefreshInput,
        responses={204: None, **error_responses(400, 401)},
        tags=["auth"],
    )
    @action(detail=False, methods=["post"])
    def logout(self, request: Request) -> Response:
        token_logout(**validated(io.RefreshInput, request.data))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Sign out everywhere",
        description="Revokes every refresh and access token of the account, the caller's too.",
        request=None,
        responses={204: None, **error_responses(401)},
        tags=["auth"],
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="logout-all",
        permission_classes=[IsAuthenticated],
        authentication_classes=[JWTAuthentication],
    )
    def logout_all(self, request: AuthenticatedRequest) -> Response:
        user_logout_all(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Change the password",
        description="Ends every other session and returns a fresh token pair for this one.",
        request=io.PasswordChangeInput,
        responses={200: io.TokenPairOutput, **error_responses(400, 401, 429)},
        tags=["auth"],
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="password/change",
        permission_classes=[IsAuthenticated],
        authentication_classes=[JWTAuthentication],
        throttle_classes=[PasswordChangeUserThrottle],
    )
    def password_change(self, request: AuthenticatedRequest) -> Response:
        data = validated(io.PasswordChangeInput, request.data)
        tokens = user_change_password(user=request.user, **data)
        return Response(io.TokenPairOutput(tokens).data)


class MeViewSet(viewsets.GenericViewSet):
    """The signed-in account."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="My account", responses={200: io.MeOutput, **error_responses(401)}, tags=["account"]
    )
    def retrieve(self, request: AuthenticatedRequest) -> Response:
        return Response(io.MeOutput(request.user).data)

    @extend_schema(
        summary="Edit my account",
        description="Phone (international form, or null to remove) and time zone (IANA name).",
        request=io.MeUpdateInput,
        responses={200: io.MeOutput, **error_responses(400, 401, 409)},
        tags=["account"],
    )
    def partial_update(self, request: AuthenticatedRequest) -> Response:
        user = user_update(user=request.user, data=validated(io.MeUpdateInput, request.data))
        return Response(io.MeOutput(user).data)

    @extend_schema(
        summary="Delete my account",
        description=(
            "Confirm with the password. The account is deactivated and hidden at once, every "
            "session ends and open sockets close; everything is erased after "
            "KINDRED_ACCOUNT_DELETION_GRACE_DAYS (default 7) unless you sign in before then, "
            "which cancels the deletion. 400 `wrong_password` changes nothing."
        ),
        request=io.AccountDeleteInput,
        responses={202: io.AccountDeleteOutput, **error_responses(400, 401, 429)},
        tags=["account"],
    )
    def destroy(self, request: AuthenticatedRequest) -> Response:
        user = account_deletion_request(
            user=request.user, **validated(io.AccountDeleteInput, request.data)
        )
        body = {
            "deletion_requested_at": user.deletion_requested_at,
            "erase_after": account_erase_after(user),
        }
        return Response(io.AccountDeleteOutput(body).data, status=status.HTTP_202_ACCEPTED)

    def get_throttles(self) -> list:
        if self.action == "destroy":
            return [AccountDeleteUserThrottle()]
        return super().get_throttles()
