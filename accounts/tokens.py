"""JWT pairs that carry the user's token version, so that raising it revokes them all."""

from dataclasses import dataclass
from typing import Any

from rest_framework_simplejwt.exceptions import TokenBackendError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.state import token_backend
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import User
from core.exceptions import AuthenticationRequired

TOKEN_VERSION_CLAIM = "tv"


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str


def token_pair_for_user(user: User) -> TokenPair:
    """Issue a new refresh token (recorded as outstanding) and its access token."""
    refresh = RefreshToken.for_user(user)
    refresh[TOKEN_VERSION_CLAIM] = user.token_version
    # The access token copies the refresh token's claims, `tv` included.
    return TokenPair(access=str(refresh.access_token), refresh=str(refresh))


def refresh_token_claims(raw: str) -> dict[str, Any]:
    """Verify a refresh token's signature, expiry and type; return its claims.

    The blacklist is not consulted here: callers check it under a row lock, so that
    reuse of a rotated token is detected exactly once.
    """
    try:
        # The stubs type `decode` as taking a Token; it takes the encoded string.
        claims = token_backend.decode(raw, verify=True)  # type: ignore[arg-type]
    except TokenBackendError as error:
        raise AuthenticationRequired(
            "The refresh token is invalid or expired.", code="token_not_valid"
        ) from error
    if claims.get(api_settings.TOKEN_TYPE_CLAIM) != "refresh" or not claims.get(
        api_settings.JTI_CLAIM
    ):
        raise AuthenticationRequired("This is not a refresh token.", code="token_not_valid")
    return claims
