"""Celery tasks of accounts: thin, take ids, idempotent (DESIGN.md §6)."""

import logging
import smtplib
from datetime import datetime
from typing import Any

from celery import shared_task
from celery.exceptions import MaxRetriesExceededError

from accounts.deletion_services import account_erase, accounts_due_for_erasure
from accounts.email_services import (
    email_verification_send,
    login_devices_forget_stale,
    login_notice_send,
    password_changed_notice_send,
    password_reset_send,
)
from accounts.export_services import (
    TRANSIENT_STORAGE_ERRORS,
    data_export_build,
    data_export_mark_failed,
    data_exports_expire,
)
from accounts.services import tokens_flush_expired

logger = logging.getLogger(__name__)

# The SMTP server unreachable, slow or refusing for now: worth another try.
TRANSIENT_EMAIL_ERRORS = (smtplib.SMTPException, OSError)
_EMAIL_RETRY: dict[str, Any] = {
    "autoretry_for": TRANSIENT_EMAIL_ERRORS,
    "retry_backoff": 30,
    "retry_backoff_max": 900,
    "retry_jitter": True,
    "max_retries": 6,
}


@shared_task(name="accounts.flush_expired_tokens")
def flush_expired_tokens_task() -> int:
    """Delete refresh-token records past their expiry (and their blacklist entries)."""
    return tokens_flush_expired()


# --- emails ------------------------------------------------------------------------------------


@shared_task(name="accounts.send_verification_email", **_EMAIL_RETRY)
def send_verification_email_task(user_id: str) -> bool:
    return email_verification_send(user_id=user_id)


@shared_task(name="accounts.send_password_reset", **_EMAIL_RETRY)
def send_password_reset_task(email: str) -> bool:
    return password_reset_send(email=email)


@shared_task(name="accounts.send_password_changed", **_EMAIL_RETRY)
def send_password_changed_task(user_id: str) -> bool:
    return password_changed_notice_send(user_id=user_id)


@shared_task(name="accounts.send_login_notice", **_EMAIL_RETRY)
def send_login_notice_task(user_id: str, ip_address: str, user_agent: str, at: str) -> bool:
    return login_notice_send(
        user_id=user_id,
        ip_address=ip_address,
        user_agent=user_agent,
        signed_in_at=datetime.fromisoformat(at),
    )


@shared_task(name="accounts.send_deletion_scheduled", **_EMAIL_RETRY)
def send_deletion_scheduled_task(user_id: str) -> bool:
    from accounts.deletion_services import account_deletion_notice_send

    return account_deletion_notice_send(user_id=user_id)


@shared_task(name="accounts.forget_stale_login_devices")
def forget_stale_login_devices_task() -> int:
    return login_devices_forget_stale()


# --- data export -------------------------------------------------------------------------------


@shared_task(
    bind=True,
    name="accounts.build_data_export",
    queue="default",
    max_retries=3,
    soft_time_limit=600,
    time_limit=660,
)
def build_data_export_task(self: Any, export_id: str) -> str | None:
    try:
        export = data_export_build(export_id=export_id)
    except TRANSIENT_STORAGE_ERRORS as error:
        try:
            raise self.retry(exc=error, countdown=60 * (self.request.retries + 1))
        except MaxRetriesExceededError:
            data_export_mark_failed(export_id=export_id, reason="storage unavailable")
            raise
    except Exception as error:
        # Not transient: a retry would fail the same way; the person may ask again.
        logger.exception("data export failed", extra={"export_id": export_id})
        data_export_mark_failed(export_id=export_id, reason=type(error).__name__)
        raise
    return export.status if export else None


@shared_task(name="accounts.expire_data_exports")
def expire_data_exports_task() -> int:
    return data_exports_expire()


# --- account erasure ---------------------------------------------------------------------------


@shared_task(name="accounts.erase_due_accounts")
def erase_due_accounts_task() -> int:
    """Beat: queue the erasure of every account whose grace period is over."""
    user_ids = accounts_due_for_erasure()
    for user_id in user_ids:
        erase_account_task.delay(str(user_id))
    return len(user_ids)


@shared_task(
    name="accounts.erase_account",
    autoretry_for=TRANSIENT_STORAGE_ERRORS,
    retry_backoff=60,
    retry_backoff_max=3600,
    max_retries=10,
    soft_time_limit=300,
    time_limit=360,
)
def erase_account_task(user_id: str) -> bool:
    return account_erase(user_id=user_id)
