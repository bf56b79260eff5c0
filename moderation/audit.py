"""The audit log: who did what to which target, when and why. Append-only (a database
trigger refuses updates and deletes, see migration 0003); entries are written inside the
acting service's transaction, so an action that rolls back leaves no entry."""

from datetime import timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from moderation.models import AuditAction, AuditEntry


def audit_record(
    *,
    actor: User | None,
    action: AuditAction | str,
    target_type: str,
    target_id: Any,
    subject_user_id: UUID | None = None,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry. `actor=None` is the system (a scheduled job)."""
    return AuditEntry.objects.create(
        actor=actor,
        actor_email=actor.email if actor is not None else "",
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        subject_user_id=subject_user_id,
        reason=reason,
        data=data or {},
    )


def audit_purge_expired(*, now: Any = None) -> int:
    """Delete entries older than KINDRED_AUDIT_RETENTION_DAYS, the only deletion the
    trigger allows: it compares each row with the transaction-local cutoff set here.
    Idempotent."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.KINDRED_AUDIT_RETENTION_DAYS)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('kindred.audit_purge_before', %s, true)", [cutoff.isoformat()]
            )
        deleted, _ = AuditEntry.objects.filter(created_at__lt=cutoff).delete()
    return deleted
