"""Moderation's tasks: thin, idempotent, ids in, one service each."""

from typing import Any
from uuid import UUID

from celery import shared_task
from django.db import InterfaceError, OperationalError

from moderation.audit import audit_purge_expired
from moderation.evidence import evidence_copy_photos
from moderation.retention import evidence_purge_expired
from moderation.sanction_services import sanctions_end_expired_suspensions
from profiles.photo_services import TRANSIENT_STORAGE_ERRORS

__all__ = [
    "evidence_copy_photos_task",
    "lift_ended_suspensions_task",
    "purge_expired_moderation_records_task",
]

_DATABASE_RETRY: dict[str, Any] = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 5,
    "retry_backoff_max": 120,
    "retry_jitter": True,
    "max_retries": 3,
}


@shared_task(
    name="moderation.copy_evidence_photos",
    queue="media",
    autoretry_for=TRANSIENT_STORAGE_ERRORS,
    retry_backoff=5,
    retry_backoff_max=120,
    retry_jitter=True,
    max_retries=3,
)
def evidence_copy_photos_task(evidence_id: str) -> int:
    """Copy a report's photos under `evidence/` so they outlive their deletion."""
    return evidence_copy_photos(evidence_id=UUID(evidence_id))


@shared_task(name="moderation.lift_ended_suspensions", **_DATABASE_RETRY)
def lift_ended_suspensions_task() -> int:
    """Beat: end suspensions whose time is up (sign-in and discovery come back)."""
    return sanctions_end_expired_suspensions()


@shared_task(name="moderation.purge_expired_records", **_DATABASE_RETRY)
def purge_expired_moderation_records_task() -> dict[str, int]:
    """Beat: delete evidence past KINDRED_EVIDENCE_RETENTION_DAYS after its report closed,
    and audit entries past KINDRED_AUDIT_RETENTION_DAYS."""
    return {"evidence": evidence_purge_expired(), "audit_entries": audit_purge_expired()}
