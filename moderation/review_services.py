"""The photo and verification queues: a moderator's decision goes through profiles'
services (which own those rows) and leaves an audit entry; the person hears of a
rejection with its reason."""

from uuid import UUID

from django.db import transaction

from accounts.models import User
from core.exceptions import ValidationFailed
from moderation.audit import audit_record
from moderation.models import AuditAction
from moderation.staff import ensure_moderator
from notifications.models import NotificationKind
from notifications.services import notify
from profiles.models import ModerationState, Photo, VerificationRequest
from profiles.photo_services import photo_set_moderation_state
from profiles.services import verification_review


def _require_reason(reason: str, *, field: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(
            "Say why, in words the person will understand.",
            code="reason_required",
            extra={"fields": {field: ["This field is required."]}},
        )
    return reason


def photo_review(*, moderator: User, photo_id: UUID, is_approved: bool, reason: str = "") -> Photo:
    """Approve or reject a photo from the queue (a rejection needs a reason, which the
    owner is told). Idempotent for the same decision, audited each time it is taken."""
    ensure_moderator(moderator, "moderation.change_photoreview")
    if not is_approved:
        reason = _require_reason(reason, field="reason")
    state = ModerationState.APPROVED if is_approved else ModerationState.REJECTED
    with transaction.atomic():
        photo = photo_set_moderation_state(photo_id=photo_id, state=state, moderator=moderator)
        audit_record(
            actor=moderator,
            action=AuditAction.PHOTO_APPROVED if is_approved else AuditAction.PHOTO_REJECTED,
            target_type="photo",
            target_id=photo.pk,
            subject_user_id=photo.profile_id,
            reason=reason,
        )
        if not is_approved:
            notify(
                user_id=photo.profile_id,
                kind=NotificationKind.MODERATION_NOTICE,
                title="A photo was not approved",
                body=reason[:500],
                data={"photo_id": str(photo.pk)},
            )
    return photo


def verification_decide(
    *, moderator: User, request_id: UUID, is_approved: bool, note: str = ""
) -> VerificationRequest:
    """Approve or reject a pending verification selfie (a rejection needs a note, which the
    person sees). Approval also ends a "verify your profile" sanction (see receivers).
    409 `not_pending` for an attempt already decided."""
    ensure_moderator(moderator, "moderation.change_verificationreview")
    if not is_approved:
        note = _require_reason(note, field="note")
    with transaction.atomic():
        attempt = verification_review(
            request_id=request_id, moderator=moderator, is_approved=is_approved, note=note
        )
        audit_record(
            actor=moderator,
            action=(
                AuditAction.VERIFICATION_APPROVED
                if is_approved
                else AuditAction.VERIFICATION_REJECTED
            ),
            target_type="verification_request",
            target_id=attempt.pk,
            subject_user_id=attempt.profile_id,
            reason=note,
        )
    return attempt
