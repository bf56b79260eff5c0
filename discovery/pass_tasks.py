"""Scheduled upkeep of passes (beat: hourly, see config/celery.py)."""

from celery import shared_task
from django.conf import settings

from discovery.pass_services import passes_expire

__all__ = ["expire_passes_task"]


@shared_task(name="discovery.expire_passes")
def expire_passes_task() -> int:
    """Delete passes past the cooldown, in batches; keeps the deck's exclusion small.
    Idempotent and safe to overlap with itself (a row is deleted once)."""
    return passes_expire(batch_size=settings.KINDRED_PASS_EXPIRY_BATCH_SIZE)
