"""Tokens mailed to people: email verification and password reset.

- Verification: a signed, timestamped value naming the user and the address it was sent
  to (`django.core.signing`), valid KINDRED_EMAIL_VERIFICATION_MAX_AGE seconds. Verifying
  twice is harmless; a token for an address the account no longer has is refused.
- Password reset: `<user id, base64>.<Django reset token>`. Django's generator hashes the
  password hash, the last sign-in time and the email with a timestamp, so the token dies
  as soon as the password changes (single use) or after PASSWORD_RESET_TIMEOUT seconds.

Both are made inside the Celery task that sends the email, so they never sit in the broker.
"""

import uuid
from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import signing
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from accounts.models import User

_VERIFICATION_SALT = "accounts.email_verification"


class _ResetTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "accounts.password_reset"

    def _make_hash_value(self, user: Any, timestamp: int) -> str:
        # Also dies when every session is revoked for another reason (logout-all, ban).
        return f"{super()._make_hash_value(user, timestamp)}{user.token_version}"


reset_token_generator = _ResetTokenGenerator()


def email_verification_token_make(*, user: User) -> str:
    return signing.dumps({"user": str(user.pk), "email": user.email}, salt=_VERIFICATION_SALT)


def email_verification_token_read(token: str) -> tuple[uuid.UUID, str] | None:
    """(user id, email) for a genuine, unexpired token; None otherwise."""
    try:
        value = signing.loads(
            token, salt=_VERIFICATION_SALT, max_age=settings.KINDRED_EMAIL_VERIFICATION_MAX_AGE
        )
        return uuid.UUID(value["user"]), str(value["email"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def password_reset_token_make(*, user: User) -> str:
    uid = urlsafe_base64_encode(user.pk.bytes)
    return f"{uid}.{reset_token_generator.make_token(user)}"


def password_reset_token_user_id(token: str) -> tuple[uuid.UUID, str] | None:
    """(user id, the generator's part) if the token is well formed; not yet checked."""
    uid, separator, secret = token.partition(".")
    if not separator or not secret:
        return None
    try:
        raw = urlsafe_base64_decode(uid)
        return uuid.UUID(bytes=raw), force_str(secret)
    except (ValueError, TypeError):
        return None


def password_reset_token_is_valid(*, user: User, secret: str) -> bool:
    return reset_token_generator.check_token(user, secret)
