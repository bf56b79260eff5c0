"""Account deletion: DELETE /me hides the account at once; the erasure follows after a grace
period (KINDRED_ACCOUNT_DELETION_GRACE_DAYS) unless the person signs in again.

What the erasure does (each app's `privacy.erase_user_data`, see accounts.data_rights):
photos (every rendition and the original) and verification selfies leave storage; the
profile is blanked to an empty "Deleted user" shell; prompts, quiz answers, badges, likes
and passes (both ways), shortlists, blocks, notifications, AI jobs and exports are deleted;
matches end in state `deleted`; the messages the person sent are deleted (the other side
keeps their own messages and sees a "Deleted user"). Moderation evidence — reports filed by
or about the person, sanctions and their audit entries — is kept for its retention period.
The account row stays as an anonymous anchor of that evidence: email replaced, phone,
password and every personal field cleared, `erased_at` set.
"""

import logging
from datetime import datetime, timedelta
from functools import partial
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.data_rights import privacy_providers
from accounts.models import User
from accounts.services import sessions_revoke_all
from core.exceptions import ValidationFailed
from core.realtime import close_user_sockets_on_commit

logger = logging.getLogger(__name__)

ERASED_EMAIL_DOMAIN = "erased.invalid"


def account_erase_after(user: User) -> datetime | None:
    if user.deletion_requested_at is None:
        return None
    return user.deletion_requested_at + timedelta(days=settings.KINDRED_ACCOUNT_DELETION_GRACE_DAYS)


def account_deletion_request(*, user: User, password: str) -> User:
    """Start the deletion of one's own account (the password confirms it).

    At once: the account is deactivated (its profile leaves discovery through profiles'
    receiver), every token is revoked, open sockets close after commit, and an email says
    when the erasure will happen and that signing in cancels it.
    400 `wrong_password` changes nothing.
    """
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if not locked.check_password(password):
            raise ValidationFailed(
                "The password is incorrect.",
                code="wrong_password",
                extra={"fields": {"password": ["The password is incorrect."]}},
            )
        locked.is_active = False
        locked.deletion_requested_at = timezone.now()
        # Through the model: profiles' post_save receiver recomputes discoverability.
        locked.save(update_fields=["is_active", "deletion_requested_at"])
        sessions_revoke_all(locked)
        close_user_sockets_on_commit(locked.pk)
        from accounts.tasks import send_deletion_scheduled_task

        transaction.on_commit(partial(send_deletion_scheduled_task.delay, str(locked.pk)))
    logger.info("account deletion requested", extra={"user_id": str(locked.pk)})
    return locked


def accounts_due_for_erasure(*, limit: int = 500) -> list[UUID]:
    """Accounts whose grace period is over and that are not erased yet."""
    cutoff = timezone.now() - timedelta(days=settings.KINDRED_ACCOUNT_DELETION_GRACE_DAYS)
    return list(
        User.objects.filter(
            deletion_requested_at__isnull=False,
            deletion_requested_at__lte=cutoff,
            erased_at__isnull=True,
        )
        .order_by("deletion_requested_at")
        .values_list("pk", flat=True)[:limit]
    )


def account_erase(*, user_id: UUID | str) -> bool:
    """Erase an account whose grace period is over; returns whether rows were erased now.

    Idempotent: a second run (or a run for an account whose deletion was cancelled, or
    that is not due yet) erases nothing more. The stored files of every app are deleted
    after the rows, on every run, so a storage outage is healed by the job's retry.
    """
    erased_now = False
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=user_id).first()
        if user is None:
            return False
        if user.erased_at is None:
            erase_after = account_erase_after(user)
            if erase_after is None or erase_after > timezone.now() or user.is_active:
                return False
            for provider in privacy_providers():
                if provider.erase is not None:
                    provider.erase(user_id=user.pk)
            _anonymise(user)
            erased_now = True
    for provider in privacy_providers():
        if provider.erase_files is not None:
            provider.erase_files(user_id=user.pk)
    if erased_now:
        logger.info("account erased", extra={"user_id": str(user.pk)})
    return erased_now


def _anonymise(user: User) -> None:
    """Keep the row (the id anchors kept evidence), drop everything personal in it."""
    user.email = f"erased-{user.pk.hex}@{ERASED_EMAIL_DOMAIN}"
    user.phone = None
    user.set_unusable_password()
    user.time_zone = "UTC"
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.last_login = None
    user.last_seen_at = None
    user.email_verified_at = None
    user.erased_at = timezone.now()
    user.token_version += 1
    # update(): no post_save receivers; the profile was already blanked by its app.
    User.objects.filter(pk=user.pk).update(
        email=user.email,
        phone=None,
        password=user.password,
        time_zone=user.time_zone,
        is_active=False,
        is_staff=False,
        is_superuser=False,
        last_login=None,
        last_seen_at=None,
        email_verified_at=None,
        erased_at=user.erased_at,
        token_version=user.token_version,
    )
    user.groups.clear()
    user.user_permissions.clear()


def account_deletion_notice_send(*, user_id: UUID | str) -> bool:
    """Task body: tell the person when the erasure happens and that signing in cancels it
    (nothing if the deletion was cancelled meanwhile)."""
    from accounts.emails import email_send_templated

    user = User.objects.filter(pk=user_id, erased_at__isnull=True).first()
    if user is None or user.deletion_requested_at is None:
        return False
    email_send_templated(
        to=user.email,
        template="deletion_scheduled",
        context={"email": user.email, "erase_at": account_erase_after(user)},
    )
    return True
