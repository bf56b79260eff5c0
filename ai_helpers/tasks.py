"""AI tasks, on the `ai` queue (DESIGN.md §10; routed in config/celery.py): a provider call
can take seconds, so it never holds up the default queue.

`ai_job_run_task` makes one attempt per run. Transient provider failures (timeout, 5xx,
connection) are retried with exponential backoff and jitter, at most
KINDRED_AI_MAX_RETRIES times; the last attempt fails the job instead of retrying.
"""

import random
from uuid import UUID

from celery import Task, shared_task
from django.conf import settings

from ai_helpers.services import RunOutcome, ai_job_run, ai_job_sweep

__all__ = ["ai_job_run_task", "ai_job_sweep_task", "retry_countdown"]


def retry_countdown(retries: int) -> float:
    """Seconds before retry number `retries + 1`: base * 2**retries, capped, then "full
    jitter" over its upper half so that jobs failed by one outage do not return together."""
    ceiling = min(
        settings.KINDRED_AI_RETRY_BACKOFF_SECONDS * 2**retries,
        settings.KINDRED_AI_RETRY_BACKOFF_MAX_SECONDS,
    )
    return random.uniform(ceiling / 2, ceiling)  # noqa: S311  (jitter, not a secret)


@shared_task(bind=True, name="ai_helpers.run_job", queue="ai")
def ai_job_run_task(self: Task, job_id: str) -> str:
    """Run the job once; returns the outcome. Idempotent: a finished job is skipped."""
    max_retries: int = settings.KINDRED_AI_MAX_RETRIES
    retries: int = self.request.retries
    # Eager mode (the embedded run without Redis) runs tasks inside the request: a retry
    # would hold it for the whole backoff, so there the first transient failure is final.
    is_last_attempt = retries >= max_retries or settings.CELERY_TASK_ALWAYS_EAGER
    outcome = ai_job_run(job_id=UUID(job_id), is_last_attempt=is_last_attempt)
    if outcome == RunOutcome.RETRY:
        raise self.retry(countdown=retry_countdown(retries), max_retries=max_retries)
    return outcome.value


@shared_task(name="ai_helpers.sweep_jobs", queue="ai")
def ai_job_sweep_task() -> dict[str, int]:
    """Fail lost jobs and delete expired ones (see ai_job_sweep)."""
    result = ai_job_sweep()
    return {"failed": result.failed, "deleted": result.deleted}
