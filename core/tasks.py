"""Core's Celery tasks: the beat's sweep of the outboxes (core.outbox)."""

import logging

from celery import shared_task

from core.outbox import outboxes_drain_all

logger = logging.getLogger(__name__)


@shared_task(name="core.sweep_outboxes")
def sweep_outboxes_task() -> dict[str, int]:
    """Queue the drain of every outbox with items waiting: a drain whose trigger was lost
    (the broker away at the time) or that stopped on an error. Returns the waiting counts."""
    waiting = outboxes_drain_all()
    if waiting:
        logger.info("outbox drains queued by the sweep: %s", waiting)
    return waiting
