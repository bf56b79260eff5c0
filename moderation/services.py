"""Writes of the people who use the app: blocks and reports.

Moderators' decisions (sanctions, appeals, queue reviews) are in `sanction_services` and
`review_services`.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from core import ratelimit
from core.exceptions import NotFound, RateLimited, ValidationFailed
from moderation.evidence import messages_snapshot, profile_snapshot
from moderation.models import Block, Evidence, Report, ReportReason, ReportStatus
from moderation.priority import most_serious, report_priority_refresh
from moderation.signals import block_created

# --- blocks ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BlockResult:
    block: Block
    created: bool


def _ensure_other_person(*, actor: User, user_id: UUID, code: str, message: str) -> None:
    if user_id == actor.pk:
        raise ValidationFailed(message, code=code, extra={"fields": {"user_id": [message]}})
    if not User.objects.filter(pk=user_id).exists():
        raise NotFound("No such person.")


def _block_in_transaction(*, blocker: User, user_id: UUID) -> BlockResult:
    # get_or_create settles a race on `moderation_block_once` (the loser reads the row),
    # so the signal goes out once per pair and direction.
    block, created = Block.objects.get_or_create(blocker=blocker, blocked_id=user_id)
    if created:
        block_created.send(sender=None, blocker_id=blocker.pk, blocked_id=user_id)
    return BlockResult(block=block, created=created)


def block_create(*, blocker: User, user_id: UUID) -> BlockResult:
    """Block someone: from now on each is hidden from the other everywhere (moderation's
    selectors, which every app reads). Idempotent: blocking again returns the block.

    A new block sends `block_created` inside the transaction: matching ends the pair's
    match there, and chat closes their conversation. 400 `cannot_block_self`; 404 for an
    unknown person.
    """
    _ensure_other_person(
        actor=blocker,
        user_id=user_id,
        code="cannot_block_self",
        message="You cannot block yourself.",
    )
    with transaction.atomic():
        return _block_in_transaction(blocker=blocker, user_id=user_id)


def block_delete(*, blocker: User, user_id: UUID) -> bool:
    """Unblock. Idempotent (True when a block was removed). An ended match stays ended."""
    deleted, _ = Block.objects.filter(blocker=blocker, blocked_id=user_id).delete()
    return bool(deleted)


# --- reports --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportResult:
    report: Report
    created: bool  # False: added to my open report about the same person


def report_create(
    *,
    reporter: User,
    user_id: UUID,
    reason: str,
    details: str = "",
    message_ids: Sequence[UUID] = (),
) -> ReportResult:
    """Report someone, which also blocks them.

    Evidence is frozen now: their profile as it is (public fields, prompt answers, every
    photo) and, when the two have a conversation, the messages pointed at and the latest
    KINDRED_EVIDENCE_RECENT_MESSAGES. Reporting the same person again while my report is
    open adds to it (another reason and evidence snapshot) rather than opening a second
    one. The queue priority of every open report about them is recomputed.

    Refusals, each writing nothing: 400 `cannot_report_self`, `invalid_message_ids`
    (messages outside our conversation), `validation_error` (unknown reason); 404 unknown
    person; 429 `report_rate_limited` beyond KINDRED_THROTTLES["report_user"].
    """
    if reason not in ReportReason.values:
        raise ValidationFailed(extra={"fields": {"reason": ["Unknown reason."]}})
    _ensure_other_person(
        actor=reporter,
        user_id=user_id,
        code="cannot_report_self",
        message="You cannot report yourself.",
    )
    profile = profile_snapshot(user_id=user_id)
    referenced, recent = messages_snapshot(
        reporter_id=reporter.pk, reported_id=user_id, message_ids=message_ids
    )
    decision = ratelimit.hit(
        "report", str(reporter.pk), ratelimit.Rate.parse(settings.KINDRED_THROTTLES["report_user"])
    )
    if not decision.is_allowed:
        raise RateLimited(
            "Too many reports. Try again later.",
            code="report_rate_limited",
            retry_after=decision.retry_after,
        )
    for attempt in range(2):
        try:
            with transaction.atomic():
                report, created = _open_or_merge(reporter=reporter, user_id=user_id, reason=reason)
                evidence = Evidence.objects.create(
                    report=report,
                    reason=reason,
                    details=details,
                    profile=profile,
                    referenced_messages=referenced,
                    recent_messages=recent,
                )
                _block_in_transaction(blocker=reporter, user_id=user_id)
                report_priority_refresh(user_id=user_id)
                if profile.get("photos"):
                    transaction.on_commit(partial(_schedule_photo_copy, str(evidence.pk)))
            report.refresh_from_db()
            return ReportResult(report=report, created=created)
        except IntegrityError:
            # Two first reports of the same pair at once: the loser merges into the winner's.
            if attempt:
                raise
    raise AssertionError("unreachable")


def _open_or_merge(*, reporter: User, user_id: UUID, reason: str) -> tuple[Report, bool]:
    now = timezone.now()
    report = (
        Report.objects.select_for_update()
        .filter(reporter=reporter, reported_id=user_id, status=ReportStatus.OPEN)
        .first()
    )
    if report is None:
        report = Report.objects.create(
            reporter=reporter,
            reported_id=user_id,
            reason=reason,
            reasons=[reason],
            last_submitted_at=now,
        )
        return report, True
    if reason not in report.reasons:
        report.reasons = [*report.reasons, reason]
    report.reason = most_serious(report.reasons)
    report.submission_count += 1
    report.last_submitted_at = now
    report.save(
        update_fields=["reasons", "reason", "submission_count", "last_submitted_at", "updated_at"]
    )
    return report, False


def _schedule_photo_copy(evidence_id: str) -> None:
    from moderation.tasks import evidence_copy_photos_task  # tasks import services

    evidence_copy_photos_task.delay(evidence_id)
