import functools

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework.request import Request
from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken, TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import Token
from rest_framework_simplejwt.utils import aware_utcnow

from accounts.models import User
from accounts.services import user_ensure_may_sign_in
from accounts.tokens import TOKEN_VERSION_CLAIM
from core.db import get_by_key

# Verified access tokens kept per process (a few MB at most): more than the people one
# process serves within a token's lifetime on a busy day.
VERIFIED_TOKENS_KEPT = 4096


class AuthenticatedRequest(Request):
    """The request of a view that requires authentication: `user` is a real account."""

    user: User


class JWTAuthentication(authentication.JWTAuthentication):
    """simplejwt's bearer authentication, plus the checks that make revocation immediate.

    On every request: the account must be active, not banned or suspended, and the token's
    version must equal the user's current one (logout-all, password change and bans raise
    it). `last_seen_at` is refreshed at most every KINDRED_LAST_SEEN_RESOLUTION.
    """

    def get_validated_token(self, raw_token: bytes) -> Token:
        """The token, its signature verified once per process: a token that verified stays
        verified (its text cannot change), so only its expiry is checked again. Revocation
        never depended on this step (get_user checks the account and the token's version on
        every request)."""
        token = _verified_token(bytes(raw_token))
        try:
            token.check_exp(current_time=aware_utcnow())
        except TokenError:  # expired since: the library's own refusal, with its messages
            return super().get_validated_token(raw_token)
        return token

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


@functools.lru_cache(maxsize=VERIFIED_TOKENS_KEPT)
def _verified_token(raw_token: bytes) -> Token:
    """simplejwt's validation (signature, type, expiry); a refusal raises and is not kept.
    Verifying the signature was a tenth of a like's CPU."""
    return authentication.JWTAuthentication().get_validated_token(raw_token)


def _touch_last_seen(user: User) -> None:
    now = timezone.now()
    if user.last_seen_at is None or now - user.last_seen_at > settings.KINDRED_LAST_SEEN_RESOLUTION:
        User.objects.filter(pk=user.pk).update(last_seen_at=now)
        user.last_seen_at = now
