"""AI jobs: asking for one (rate-limited, answered at once), running it (in a Celery task
on the `ai` queue), and sweeping up jobs that were lost.

Nothing in a request waits on a provider: `ai_job_request` only checks, counts and queues.
`ai_job_run` makes one attempt and tells the task whether to retry; it never holds a
database transaction open while the provider is called.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from functools import partial
from typing import Any
from uuid import UUID, uuid4

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from ai_helpers import events
from ai_helpers.facts import opener_facts, profile_analysis_facts
from ai_helpers.models import FINISHED_STATUSES, AIJob, AIJobKind, AIJobStatus
from ai_helpers.providers import (
    InvalidOutput,
    Provider,
    ProviderBusy,
    ProviderRejected,
    ProviderUnavailable,
    get_provider,
)
from ai_helpers.ratelimit import window_hit, window_release
from core.exceptions import NotFound, RateLimited
from core.ratelimit import Rate
from matching.selectors import match_get_for_participant
from moderation.selectors import is_blocked_between

logger = logging.getLogger(__name__)

# Error codes of failed jobs, with what the requester is told.
ERROR_MESSAGES = {
    "ai_unavailable": "The AI service is unavailable right now. Please try again later.",
    "ai_rejected": "The AI service refused this request.",
    "ai_invalid_output": "The AI service gave an answer we could not use.",
    "ai_failed": "Something went wrong while preparing the result.",
    "match_unavailable": "This match is no longer open.",
}
# Failures that are not the person's doing and cost them nothing: their slot comes back.
_REFUNDED = frozenset({"ai_unavailable", "match_unavailable"})

SWEEP_BATCH_SIZE = 500


class RunOutcome(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    RETRY = "retry"
    SKIPPED = "skipped"


def ai_job_request(*, user: User, kind: AIJobKind, match_id: UUID | None = None) -> AIJob:
    """Queue a job for `user` and return it (status `queued`).

    Openers need one of the user's open matches, not blocked either way (NotFound
    otherwise, for missing and foreign matches alike). Each kind is limited per person by a
    sliding window (KINDRED_AI_RATE_LIMITS): past it, RateLimited `ai_rate_limited` with
    the seconds until a slot frees up, and nothing is created. The run task is queued once
    the job is committed.
    """
    match = None
    if kind == AIJobKind.OPENERS:
        if match_id is None:
            raise NotFound("No such match.")
        match = match_get_for_participant(user=user, match_id=match_id, open_only=True)
        if is_blocked_between(user.pk, match.other_user_id(user.pk)):
            raise NotFound("No such match.")

    job_id = uuid4()
    rate = Rate.parse(settings.KINDRED_AI_RATE_LIMITS[kind])
    decision = window_hit(scope=kind, identity=str(user.pk), member=str(job_id), rate=rate)
    if not decision.is_allowed:
        raise RateLimited(
            f"You can ask for this {rate.count} times per {_duration(rate.seconds)}.",
            code="ai_rate_limited",
            retry_after=decision.retry_after,
            extra={"limit": rate.count, "window_seconds": rate.seconds},
        )
    try:
        with transaction.atomic():
            job = AIJob.objects.create(id=job_id, user=user, kind=kind, match=match)
            # Robust: a broker hiccup must not turn the committed 202 into a 500; the job
            # then stays queued until the sweep fails it as `ai_unavailable`.
            transaction.on_commit(partial(_enqueue_run, str(job.pk)), robust=True)
    except BaseException:
        # Never stored: the slot it took must not count.
        window_release(scope=kind, identity=str(user.pk), member=str(job_id))
        raise
    return job


def _enqueue_run(job_id: str) -> None:
    from ai_helpers.tasks import ai_job_run_task

    ai_job_run_task.delay(job_id)


def ai_job_run(*, job_id: UUID, is_last_attempt: bool) -> RunOutcome:
    """Make one attempt at the job.

    Idempotent: a finished or missing job is left alone (SKIPPED), and of two workers racing
    on one job only the first to finish writes. A transient provider failure returns RETRY
    unless `is_last_attempt`, when the job fails with `ai_unavailable`. Any other failure
    fails the job at once. The finish is announced on commit (`events`).
    """
    provider = get_provider()
    job = _claim(job_id, provider)
    if job is None:
        return RunOutcome.SKIPPED
    try:
        result = _produce(job, provider)
    except _MatchUnavailable:
        return _fail(job_id, "match_unavailable")
    except ProviderUnavailable as error:
        if not is_last_attempt:
            logger.warning("ai job %s: provider unavailable, will retry: %s", job_id, error)
            return RunOutcome.RETRY
        logger.warning("ai job %s: provider unavailable, giving up: %s", job_id, error)
        return _fail(job_id, "ai_unavailable")
    except ProviderBusy as error:
        logger.warning("ai job %s: provider rate-limited us (not retried): %s", job_id, error)
        return _fail(job_id, "ai_unavailable")
    except ProviderRejected as error:
        logger.error("ai job %s: provider refused (%s): %s", job_id, error.status_code, error)
        return _fail(job_id, "ai_rejected")
    except InvalidOutput as error:
        logger.warning("ai job %s: unusable answer: %s", job_id, error)
        return _fail(job_id, "ai_invalid_output")
    except Exception:
        logger.exception("ai job %s failed", job_id)
        return _fail(job_id, "ai_failed")
    return _finish(job_id, status=AIJobStatus.SUCCEEDED, result=result)


class _MatchUnavailable(Exception):
    pass


def _claim(job_id: UUID, provider: Provider) -> AIJob | None:
    with transaction.atomic():
        job = AIJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.is_finished:
            return None
        job.status = AIJobStatus.RUNNING
        job.attempts += 1
        job.started_at = job.started_at or timezone.now()
        job.provider = provider.name
        job.model_name = provider.model_name
        job.save(
            update_fields=[
                "status",
                "attempts",
                "started_at",
                "provider",
                "model_name",
                "updated_at",
            ]
        )
        return job


def _produce(job: AIJob, provider: Provider) -> dict[str, Any]:
    """The result document: the provider's validated answer plus facts we know for sure."""
    base = {"provider": str(provider.name), "model": provider.model_name}
    if job.kind == AIJobKind.PROFILE_ANALYSIS:
        own = profile_analysis_facts(user_id=job.user_id)
        return {
            **base,
            **provider.profile_analysis(own),
            "photo_count": own.person.photo_count,
            "missing_steps": list(own.missing_steps),
        }
    # The match may have ended, or a block come in, since the request.
    assert job.match_id is not None
    try:
        match = match_get_for_participant(user=job.user, match_id=job.match_id, open_only=True)
    except NotFound:
        raise _MatchUnavailable from None
    other_id = match.other_user_id(job.user_id)
    if is_blocked_between(job.user_id, other_id):
        raise _MatchUnavailable
    pair = opener_facts(sender_id=job.user_id, recipient_id=other_id)
    return {
        **base,
        "match_id": str(job.match_id),
        **provider.openers(pair),
        "shared_interests": list(pair.shared_interests),
    }


def _fail(job_id: UUID, code: str) -> RunOutcome:
    return _finish(job_id, status=AIJobStatus.FAILED, error_code=code)


def _finish(
    job_id: UUID,
    *,
    status: AIJobStatus,
    result: dict[str, Any] | None = None,
    error_code: str = "",
) -> RunOutcome:
    with transaction.atomic():
        job = AIJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.is_finished:
            return RunOutcome.SKIPPED
        job.status = status
        job.result = result
        job.error_code = error_code
        job.error_message = ERROR_MESSAGES.get(error_code, "")
        job.finished_at = timezone.now()
        job.save(
            update_fields=[
                "status",
                "result",
                "error_code",
                "error_message",
                "finished_at",
                "updated_at",
            ]
        )
        events.job_completed_on_commit(job)
    if error_code in _REFUNDED:
        window_release(scope=job.kind, identity=str(job.user_id), member=str(job.pk))
    return RunOutcome.SUCCEEDED if status == AIJobStatus.SUCCEEDED else RunOutcome.FAILED


@dataclass(frozen=True)
class SweepResult:
    failed: int
    deleted: int


def ai_job_sweep() -> SweepResult:
    """Fail jobs left unfinished past KINDRED_AI_JOB_STALE_SECONDS (a lost message or a
    killed worker) with `ai_unavailable`, so nobody polls forever; delete finished jobs
    older than KINDRED_AI_JOB_RETENTION_DAYS. Idempotent; each run handles a bounded batch.
    """
    now = timezone.now()
    stale_ids = list(
        AIJob.objects.exclude(status__in=FINISHED_STATUSES)
        .filter(created_at__lt=now - timedelta(seconds=settings.KINDRED_AI_JOB_STALE_SECONDS))
        .order_by("created_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH_SIZE]
    )
    failed = sum(_fail(job_id, "ai_unavailable") == RunOutcome.FAILED for job_id in stale_ids)
    old_ids = list(
        AIJob.objects.filter(
            status__in=FINISHED_STATUSES,
            created_at__lt=now - timedelta(days=settings.KINDRED_AI_JOB_RETENTION_DAYS),
        ).values_list("pk", flat=True)[:SWEEP_BATCH_SIZE]
    )
    deleted, _ = AIJob.objects.filter(pk__in=old_ids).delete()
    return SweepResult(failed=failed, deleted=deleted)


def _duration(seconds: int) -> str:
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return "hour" if hours == 1 else f"{hours} hours"
    if seconds % 60 == 0:
        minutes = seconds // 60
        return "minute" if minutes == 1 else f"{minutes} minutes"
    return f"{seconds} seconds"
