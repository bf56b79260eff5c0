"""Email flows: verification at sign-up, password reset, notice of a new sign-in.

Requests only schedule work: each email is rendered and sent by a Celery task after the
transaction commits (accounts.tasks), and the mailed tokens are made inside that task.
"""

import hashlib
import logging
from datetime import datetime, timedelta
from functools import partial
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.email_tokens import (
    email_verification_token_make,
    email_verification_token_read,
    password_reset_token_is_valid,
    password_reset_token_make,
    password_reset_token_user_id,
)
from accounts.emails import app_link, email_send_templated
from accounts.models import LoginDevice, User, normalize_email
from accounts.services import password_errors, sessions_revoke_all
from core.exceptions import Conflict, ValidationFailed
from core.throttling import client_ip

logger = logging.getLogger(__name__)

_USER_AGENT_LENGTH = 200


def _invalid_token() -> ValidationFailed:
    message = "This link is invalid or has expired."
    return ValidationFailed(message, code="invalid_token", extra={"fields": {"token": [message]}})


# --- email verification --------------------------------------------------------------------


def email_verification_schedule(*, user: User) -> None:
    """Send the verification email after the current transaction commits."""
    from accounts.tasks import send_verification_email_task

    transaction.on_commit(partial(send_verification_email_task.delay, str(user.pk)))


def email_verification_request(*, user: User) -> None:
    """Send the verification email again (409 `email_already_verified` if it is)."""
    if user.email_verified_at is not None:
        raise Conflict("This email address is already verified.", code="email_already_verified")
    email_verification_schedule(user=user)


def email_verification_send(*, user_id: UUID | str) -> bool:
    """Task body: mail a fresh verification link unless the address is verified or the
    account is gone. Returns whether an email was sent. Safe to retry."""
    user = User.objects.filter(pk=user_id, erased_at__isnull=True).first()
    if user is None or user.email_verified_at is not None:
        return False
    token = email_verification_token_make(user=user)
    email_send_templated(
        to=user.email,
        template="verify_email",
        context={
            "email": user.email,
            "link": app_link("KINDRED_EMAIL_VERIFY_PATH", token),
            "valid_hours": settings.KINDRED_EMAIL_VERIFICATION_MAX_AGE // 3600,
        },
    )
    return True


def email_verify(*, token: str) -> User:
    """Mark the address verified. Idempotent for a valid token; 400 `invalid_token` for a
    forged or expired one, or one sent to an address the account no longer has."""
    parsed = email_verification_token_read(token)
    if parsed is None:
        raise _invalid_token()
    user_id, email = parsed
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=user_id, erased_at__isnull=True).first()
        if user is None or user.email != email:
            raise _invalid_token()
        if user.email_verified_at is None:
            user.email_verified_at = timezone.now()
            User.objects.filter(pk=user.pk).update(email_verified_at=user.email_verified_at)
    return user


# --- password reset --------------------------------------------------------------------------


def password_reset_request(*, email: str) -> None:
    """Ask for a reset link. The same thing happens whether or not an account has this
    email: one task is queued, and it looks the account up (so the answer and its timing
    say nothing about which emails have accounts)."""
    from accounts.tasks import send_password_reset_task

    transaction.on_commit(partial(send_password_reset_task.delay, normalize_email(email)))


def password_reset_send(*, email: str) -> bool:
    """Task body: mail a reset link if an account (active, or waiting for deletion) has
    this email. Returns whether an email was sent."""
    user = User.objects.filter(email=normalize_email(email), erased_at__isnull=True).first()
    if user is None or not (user.is_active or user.is_deletion_pending):
        return False
    token = password_reset_token_make(user=user)
    email_send_templated(
        to=user.email,
        template="password_reset",
        context={
            "email": user.email,
            "link": app_link("KINDRED_PASSWORD_RESET_PATH", token),
            "valid_minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
        },
    )
    return True


def password_reset_confirm(*, token: str, password: str) -> None:
    """Set a new password from a reset link.

    The link works once (the token is bound to the password hash, which this changes) and
    for PASSWORD_RESET_TIMEOUT seconds: otherwise 400 `invalid_token`. A password the
    validators refuse gives 400 with `extra.fields.password` and leaves the link usable.
    Every session ends; the address counts as verified (the link reached it); a notice
    is mailed after commit.
    """
    parsed = password_reset_token_user_id(token)
    if parsed is None:
        raise _invalid_token()
    user_id, secret = parsed
    with transaction.atomic():
        # Locked: two uses of one link at the same instant serialize; the second sees the
        # new password hash and fails.
        user = User.objects.select_for_update().filter(pk=user_id, erased_at__isnull=True).first()
        if user is None or not password_reset_token_is_valid(user=user, secret=secret):
            raise _invalid_token()
        errors = password_errors(password, user)
        if errors:
            raise ValidationFailed(extra={"fields": {"password": errors}})
        user.set_password(password)
        fields = ["password"]
        if user.email_verified_at is None:
            user.email_verified_at = timezone.now()
            fields.append("email_verified_at")
        user.save(update_fields=fields)
        sessions_revoke_all(user)
        from accounts.tasks import send_password_changed_task

        transaction.on_commit(partial(send_password_changed_task.delay, str(user.pk)))
    logger.info("password reset", extra={"user_id": str(user.pk)})


def password_changed_notice_send(*, user_id: UUID | str) -> bool:
    user = User.objects.filter(pk=user_id, erased_at__isnull=True).first()
    if user is None:
        return False
    email_send_templated(to=user.email, template="password_changed", context={"email": user.email})
    return True


# --- new sign-in notice ----------------------------------------------------------------------


def login_fingerprint(*, user_id: UUID, ip_address: str, user_agent: str) -> str:
    return hashlib.sha256(f"{user_id}|{ip_address}|{user_agent}".encode()).hexdigest()


def login_device_record(*, user: User, request: HttpRequest | None, is_signup: bool) -> bool:
    """Remember the device and network of this sign-in; returns whether it is new.

    "New" means this (IP address, user agent) combination has not signed in to the account
    in the last KINDRED_LOGIN_DEVICE_MEMORY_DAYS. A new one gets an email after commit,
    except at sign-up and at the first sign-in ever recorded (nothing to compare with).
    Only a hash of the combination is kept, with the user agent for display.
    """
    if request is None:
        return False
    ip_address = client_ip(request)  # type: ignore[arg-type]  # reads META only
    user_agent = str(request.META.get("HTTP_USER_AGENT", ""))[:_USER_AGENT_LENGTH]
    fingerprint = login_fingerprint(user_id=user.pk, ip_address=ip_address, user_agent=user_agent)
    now = timezone.now()
    stale_before = now - timedelta(days=settings.KINDRED_LOGIN_DEVICE_MEMORY_DAYS)
    with transaction.atomic():
        device, created = LoginDevice.objects.get_or_create(
            user=user, fingerprint=fingerprint, defaults={"user_agent": user_agent}
        )
        is_new = created or device.last_seen_at < stale_before
        if not created:
            LoginDevice.objects.filter(pk=device.pk).update(last_seen_at=now, updated_at=now)
        has_history = (
            LoginDevice.objects.filter(user=user).exclude(pk=device.pk).exists() or not created
        )
        if is_new and has_history and not is_signup:
            from accounts.tasks import send_login_notice_task

            transaction.on_commit(
                partial(
                    send_login_notice_task.delay,
                    str(user.pk),
                    ip_address,
                    user_agent,
                    now.isoformat(),
                )
            )
    return is_new


def login_notice_send(
    *, user_id: UUID | str, ip_address: str, user_agent: str, signed_in_at: datetime
) -> bool:
    user = User.objects.filter(pk=user_id, erased_at__isnull=True).first()
    if user is None:
        return False
    email_send_templated(
        to=user.email,
        template="new_login",
        context={
            "email": user.email,
            "ip_address": ip_address,
            "user_agent": user_agent,
            "when": signed_in_at,
        },
    )
    return True


def login_devices_forget_stale() -> int:
    """Drop devices not seen for KINDRED_LOGIN_DEVICE_MEMORY_DAYS (they would count as new
    anyway). Idempotent."""
    cutoff = timezone.now() - timedelta(days=settings.KINDRED_LOGIN_DEVICE_MEMORY_DAYS)
    deleted, _ = LoginDevice.objects.filter(last_seen_at__lt=cutoff).delete()
    return deleted
