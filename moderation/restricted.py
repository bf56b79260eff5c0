"""Restricted sessions: how a banned or suspended person reads their sanctions and appeals.

Their tokens are dead and sign-in refuses them (accounts), yet the issue lets every
sanction be appealed once. `POST /moderation/appeal-session` checks their password (and
second factor when they use MFA) and hands out a short signed token, valid
KINDRED_RESTRICTED_SESSION_SECONDS, that `RestrictedSessionAuthentication` accepts on the
two sanctions endpoints and nowhere else (`Authorization: Restricted <token>`). It carries
the token version, so a password change or logout-all kills it too.
"""

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.core import signing
from django.http import HttpRequest
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from accounts.mfa_services import mfa_verify_for_login
from accounts.models import User, normalize_email
from core.exceptions import AuthenticationRequired, Conflict

KEYWORD = "Restricted"
_SALT = "moderation.restricted-session"


@dataclass(frozen=True)
class RestrictedSession:
    token: str
    expires_in: int


def restricted_session_create(
    *, request: HttpRequest | None, email: str, password: str, otp: str | None = None
) -> RestrictedSession:
    """A restricted session for a banned or suspended account.

    401 `invalid_credentials` (same answer for unknown email and wrong password), 401
    `mfa_required` / `invalid_otp` with MFA on, 409 `not_restricted` for an account in
    good standing (it signs in normally).
    """
    user = authenticate(request, username=normalize_email(email), password=password)
    if user is None:
        raise AuthenticationRequired("Email or password is incorrect.", code="invalid_credentials")
    assert isinstance(user, User)
    mfa_verify_for_login(user=user, otp=otp)
    if not (user.is_banned or user.is_suspended):
        raise Conflict("This account is not restricted; sign in normally.", code="not_restricted")
    token = signing.dumps({"u": str(user.pk), "tv": user.token_version}, salt=_SALT)
    return RestrictedSession(token=token, expires_in=settings.KINDRED_RESTRICTED_SESSION_SECONDS)


class RestrictedSessionAuthentication(authentication.BaseAuthentication):
    """`Authorization: Restricted <token>`: a banned or suspended person, on the sanctions
    endpoints only (views list this class explicitly)."""

    def authenticate(self, request: Request) -> tuple[User, Any] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode(errors="replace") != KEYWORD:
            return None
        if len(header) != 2:
            raise AuthenticationFailed("Malformed restricted session header.")
        try:
            payload = signing.loads(
                header[1].decode(errors="replace"),
                salt=_SALT,
                max_age=settings.KINDRED_RESTRICTED_SESSION_SECONDS,
            )
        except signing.BadSignature:  # also SignatureExpired
            raise AuthenticationFailed(
                "The restricted session is invalid or expired.", code="token_not_valid"
            ) from None
        user = User.objects.filter(pk=payload.get("u"), is_active=True).first()
        if user is None or user.token_version != payload.get("tv"):
            raise AuthenticationFailed("This session has been signed out.", code="token_revoked")
        return user, None

    def authenticate_header(self, request: Request) -> str:
        return KEYWORD


class RestrictedSessionScheme(OpenApiAuthenticationExtension):
    target_class = "moderation.restricted.RestrictedSessionAuthentication"
    name = "restrictedSession"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Restricted <token>` from POST /moderation/appeal-session.",
        }
