from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework.request import Request
from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import Token

from accounts.models import User
from accounts.services import user_ensure_may_sign_in
from accounts.tokens import TOKEN_VERSION_CLAIM
from core.db import get_by_key


class AuthenticatedRequest(Request):
    """The request of a view that requires authentication: `user` is a real account."""

    user: User


class JWTAuthentication(authentication.JWTAuthentication):
    """simplejwt's bearer authentication, plus the checks that make revocation immediate.

    On every request: the account must be active, not banned or suspended, and the token's
    version must equal the user's current one (logout-all, password change and bans raise
    it). `last_seen_at` is refreshed at most every KINDRED_LAST_SEEN_RESOLUTION.
    """

    def get_user(self, validated_token: Token) -> User:  # type: ignore[override]
        user_id = validated_token.get(api_settings.USER_ID_CLAIM)
        if user_id is None:
            raise InvalidToken("The token carries no user.")
        # Relations every request needs (the profile) come in the same query, by setting,
        # from a statement written once (core.db: the ORM compiled it on every request).
        try:
            user = get_by_key(User, user_id, relations=settings.KINDRED_AUTH_SELECT_RELATED)
        except (User.DoesNotExist, ValueError, ValidationError):
            raise AuthenticationFailed(
                "This account no longer exists.", code="user_not_found"
            ) from None
        if not user.is_active:
            raise AuthenticationFailed("This account is no longer active.", code="account_inactive")
        if validated_token.get(TOKEN_VERSION_CLAIM) != user.token_version:
            raise AuthenticationFailed("This session has been signed out.", code="token_revoked")
        user_ensure_may_sign_in(user=user)
        _touch_last_seen(user)
        return user


def _touch_last_seen(user: User) -> None:
    now = timezone.now()
    if user.last_seen_at is None or now - user.last_seen_at > settings.KINDRED_LAST_SEEN_RESOLUTION:
        User.objects.filter(pk=user.pk).update(last_seen_at=now)
        user.last_seen_at = now
