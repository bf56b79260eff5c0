"""Writes on accounts: sign-up, sign-in, token rotation, sign-out, password and account edits."""

import logging
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any
from uuid import UUID

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts.backends import SignInBackend
from accounts.models import User, normalize_email
from accounts.tokens import (
    TOKEN_VERSION_CLAIM,
    TokenPair,
    refresh_token_claims,
    token_pair_for_user,
)
from core.exceptions import AuthenticationRequired, Conflict, PermissionDenied, ValidationFailed

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SignupResult:
    user: User
    tokens: TokenPair


def user_ensure_may_sign_in(*, user: User) -> None:
    """Refuse banned and currently suspended accounts with a code the app can show."""
    if user.is_banned:
        raise PermissionDenied(
            "This account has been banned.", code="account_banned", extra={"since": user.banned_at}
        )
    if user.is_suspended:
        raise PermissionDenied(
            "This account is suspended.",
            code="account_suspended",
            extra={"until": user.suspended_until},
        )


def password_errors(password: str, user: User | None) -> list[str]:
    try:
        validate_password(password, user=user)
    except DjangoValidationError as error:
        return list(error.messages)
    return []


def _ensure_unique_contacts(
    *, email: str | None, phone: str | None, exclude_id: UUID | None
) -> None:
    others = User.objects.exclude(pk=exclude_id) if exclude_id else User.objects.all()
    if email and others.filter(email=email).exists():
        raise Conflict("An account with this email already exists.", code="email_taken")
    if phone and others.filter(phone=phone).exists():
        raise Conflict("An account with this phone number already exists.", code="phone_taken")


def user_signup(
    *, email: str, password: str, phone: str | None = None, request: HttpRequest | None = None
) -> SignupResult:
    """Create an account and sign it in.

    Email and phone are unique: a duplicate gives 409 `email_taken` / `phone_taken`, also
    when two sign-ups race (the unique index decides, the loser gets the 409).
    After commit the verification email goes out; the sign-up device is remembered so that
    signing in from it later sends no new-login notice.
    """
    from accounts.email_services import email_verification_schedule, login_device_record

    email = normalize_email(email)
    _ensure_unique_contacts(email=email, phone=phone, exclude_id=None)
    candidate = User(email=email, phone=phone)
    errors = password_errors(password, candidate)
    if errors:
        raise ValidationFailed(extra={"fields": {"password": errors}})
    try:
        with transaction.atomic():
            user = User.objects.create_user(email=email, password=password, phone=phone)
            tokens = token_pair_for_user(user)
            login_device_record(user=user, request=request, is_signup=True)
            email_verification_schedule(user=user)
    except IntegrityError:
        # Another sign-up with the same email or phone committed first.
        _ensure_unique_contacts(email=email, phone=phone, exclude_id=None)
        raise
    logger.info("user signed up", extra={"user_id": str(user.id)})
    return SignupResult(user=user, tokens=tokens)


@dataclass(frozen=True)
class LoginResult:
    user: User
    tokens: TokenPair
    # The account was waiting for deletion: this sign-in cancelled it.
    deletion_cancelled: bool = False


_sign_in_backend = SignInBackend()


def user_login(
    *, request: HttpRequest | None, email: str, password: str, otp: str | None = None
) -> LoginResult:
    """Check credentials (and the second factor when MFA is on) and issue a token pair.

    Unknown email, wrong password and a deactivated account all give the same 401
    `invalid_credentials` (the backend also hashes for unknown emails, so timing tells
    nothing). With MFA on: 401 `mfa_required` without `otp`, 401 `invalid_otp` for a wrong
    or replayed code (accounts.mfa_services). Banned and suspended accounts get 403 with
    their own code. An account waiting for deletion may sign in: that cancels the
    deletion. A sign-in from a new device or network mails a notice after commit.
    """
    from accounts.email_services import login_device_record
    from accounts.mfa_services import mfa_verify_for_login

    user = _sign_in_backend.authenticate(
        request, username=normalize_email(email), password=password
    )
    if user is None:
        raise AuthenticationRequired("Email or password is incorrect.", code="invalid_credentials")
    assert isinstance(user, User)
    mfa_verify_for_login(user=user, otp=otp)
    user_ensure_may_sign_in(user=user)
    with transaction.atomic():
        deletion_cancelled = user.deletion_requested_at is not None and _deletion_cancel(user)
        now = timezone.now()
        User.objects.filter(pk=user.pk).update(last_login=now, last_seen_at=now)
        tokens = token_pair_for_user(user)
        login_device_record(user=user, request=request, is_signup=False)
    return LoginResult(user=user, tokens=tokens, deletion_cancelled=deletion_cancelled)


def _deletion_cancel(user: User) -> bool:
    """Reactivate an account waiting for deletion (its owner signed in). Saved through the
    model so that profiles' receiver makes the profile discoverable again."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    if locked.erased_at is not None:
        # The erasure job won the race for the row: the account is gone.
        raise AuthenticationRequired("Email or password is incorrect.", code="invalid_credentials")
    if locked.deletion_requested_at is None:
        return False
    locked.is_active = True
    locked.deletion_requested_at = None
    locked.save(update_fields=["is_active", "deletion_requested_at"])
    user.is_active, user.deletion_requested_at = True, None
    logger.info("account deletion cancelled by sign-in", extra={"user_id": str(user.pk)})
    return True


def token_refresh(*, refresh: str) -> TokenPair:
    """Rotate a refresh token: the presented one is blacklisted, a new pair is issued.

    Presenting a refresh token that was already rotated or logged out means it was copied:
    every session of that user is revoked and the call fails with 401 `token_reused`.
    A token from before a logout-all or password change gets 401 `token_revoked`.
    Concurrent refreshes with one token serialize on the token's row; one wins.
    """
    claims = refresh_token_claims(refresh)
    with transaction.atomic():
        outstanding = (
            OutstandingToken.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(jti=claims["jti"])
            .first()
        )
        if outstanding is None or outstanding.user is None:
            raise AuthenticationRequired("The refresh token is not valid.", code="token_not_valid")
        user = outstanding.user
        # Sessions ended by logout-all or a password change are plainly signed out; only a
        # token from a still-valid generation that is blacklisted counts as reuse.
        if not user.is_active or claims.get(TOKEN_VERSION_CLAIM) != user.token_version:
            raise AuthenticationRequired("This session has been signed out.", code="token_revoked")
        is_reused = BlacklistedToken.objects.filter(token=outstanding).exists()
        if is_reused:
            sessions_revoke_all(user)
        else:
            user_ensure_may_sign_in(user=user)
            BlacklistedToken.objects.create(token=outstanding)
            tokens = token_pair_for_user(user)
    if is_reused:
        logger.warning(
            "refresh token reused; all sessions revoked", extra={"user_id": str(user.pk)}
        )
        raise AuthenticationRequired(
            "This refresh token was already used. Every session has been signed out.",
            code="token_reused",
        )
    return tokens


def token_logout(*, refresh: str) -> None:
    """Blacklist one refresh token. Idempotent; the access tokens expire on their own."""
    claims = refresh_token_claims(refresh)
    outstanding = OutstandingToken.objects.filter(jti=claims["jti"]).first()
    if outstanding is not None:
        BlacklistedToken.objects.get_or_create(token=outstanding)


@transaction.atomic
def user_logout_all(*, user: User) -> None:
    """Revoke every session of `user`: all refresh tokens and, through the token version,
    all access tokens, including the one that made this call."""
    sessions_revoke_all(user)


@transaction.atomic
def user_change_password(*, user: User, current_password: str, new_password: str) -> TokenPair:
    """Set a new password and end every other session; returns a pair for this one.
    A notice is mailed after commit."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    if not locked.check_password(current_password):
        raise ValidationFailed(
            "The current password is incorrect.",
            code="wrong_password",
            extra={"fields": {"current_password": ["The current password is incorrect."]}},
        )
    errors = password_errors(new_password, locked)
    if errors:
        raise ValidationFailed(extra={"fields": {"new_password": errors}})
    locked.set_password(new_password)
    locked.save(update_fields=["password"])
    sessions_revoke_all(locked)
    from accounts.tasks import send_password_changed_task

    transaction.on_commit(partial(send_password_changed_task.delay, str(locked.pk)))
    return token_pair_for_user(locked)


@transaction.atomic
def user_update(*, user: User, data: dict[str, Any]) -> User:
    """Edit one's own account: `phone` (E.164 or null) and `time_zone`."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    if "phone" in data and data["phone"] != locked.phone:
        _ensure_unique_contacts(email=None, phone=data["phone"], exclude_id=locked.pk)
        locked.phone = data["phone"]
    if "time_zone" in data:
        locked.time_zone = data["time_zone"]
    try:
        with transaction.atomic():
            locked.save(update_fields=["phone", "time_zone"])
    except IntegrityError:
        _ensure_unique_contacts(email=None, phone=locked.phone, exclude_id=locked.pk)
        raise
    return locked


def sessions_revoke_all(user: User) -> None:
    """Raise the token version (kills access tokens) and blacklist live refresh tokens."""
    User.objects.filter(pk=user.pk).update(token_version=F("token_version") + 1)
    user.refresh_from_db(fields=["token_version"])
    live = OutstandingToken.objects.filter(user=user, expires_at__gt=timezone.now()).exclude(
        blacklistedtoken__isnull=False
    )
    BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in live], ignore_conflicts=True
    )


# The former private name, kept for callers written against it.
_revoke_all_sessions = sessions_revoke_all


def tokens_flush_expired() -> int:
    """Remove outstanding refresh tokens that have expired; idempotent."""
    _, per_model = OutstandingToken.objects.filter(expires_at__lte=timezone.now()).delete()
    return per_model.get(OutstandingToken._meta.label, 0)


# --- moderation restrictions (called by moderation's sanction services) ------------------------


@transaction.atomic
def user_restrict(*, user_id: UUID, until: datetime | None) -> User:
    """Ban the account (`until=None`) or suspend it until `until`, effective at once: every
    session is revoked (the token version kills access tokens, refresh tokens are
    blacklisted) and sign-in is refused from now on.

    Idempotent: a ban keeps its first date, and a suspension never shortens a longer one.
    Saved through the model, so the profile's discoverability follows (profiles' receiver).
    Closing sockets, notices and signals are the caller's (moderation's) side effects.
    """
    user = User.objects.select_for_update().get(pk=user_id)
    if until is None:
        user.banned_at = user.banned_at or timezone.now()
    elif user.suspended_until is None or user.suspended_until < until:
        user.suspended_until = until
    user.save(update_fields=["banned_at", "suspended_until"])
    sessions_revoke_all(user)
    return user


@transaction.atomic
def user_restriction_lift(*, user_id: UUID, ban: bool, suspension: bool) -> User:
    """Lift the ban and/or the suspension of an account (an overturned appeal, the end of a
    suspension). Idempotent; sessions revoked by the restriction stay revoked (the person
    signs in again)."""
    user = User.objects.select_for_update().get(pk=user_id)
    if ban:
        user.banned_at = None
    if suspension:
        user.suspended_until = None
    user.save(update_fields=["banned_at", "suspended_until"])
    return user
