"""Moderation reacting to the apps below it (profiles), connected in AppConfig.ready."""

from functools import partial
from typing import Any

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from profiles.models import VerificationRequest, VerificationStatus


@receiver(post_save, sender=VerificationRequest, dispatch_uid="moderation.verification_approved")
def end_verification_sanctions(
    sender: type[VerificationRequest], instance: VerificationRequest, **kwargs: Any
) -> None:
    """An approved selfie, from whichever admin or service, ends "verify your profile"."""
    if kwargs.get("raw") or instance.status != VerificationStatus.APPROVED:
        return
    from moderation.sanction_services import (
        is_verification_required,
        sanctions_end_verification_required,
    )

    if not is_verification_required(instance.profile_id):
        return  # the usual case: nothing to end, nothing scheduled

    transaction.on_commit(
        partial(
            sanctions_end_verification_required,
            user_id=instance.profile_id,
            reviewer=instance.reviewed_by,
        )
    )
