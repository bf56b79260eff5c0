"""Queue priority of open reports. Automatic signals raise priority; they never punish.

A report's priority = the weight of its most serious reason + the reported person's
signals within KINDRED_MODERATION_SIGNAL_WINDOW_DAYS:

- distinct established reporters: people whose account was older than
  KINDRED_MODERATION_ESTABLISHED_ACCOUNT_DAYS when they reported (fresh accounts count for
  nothing extra, so a burst of throwaway accounts cannot push someone to the top);
- abuse flags raised by other apps (matching's like flags, chat's copied openers), read
  through registered sources (`register_abuse_flag_source`), since moderation sits below
  those apps (DESIGN.md §3).

Priority is stored on each open report of the person and recomputed on every new report
or flag (`report_priority_refresh`), so the queue is one index scan.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from moderation.models import Report, ReportReason, ReportStatus

REASON_WEIGHTS: dict[str, int] = {
    ReportReason.UNDERAGE: 60,
    ReportReason.HARASSMENT: 40,
    ReportReason.OFFLINE_BEHAVIOUR: 40,
    ReportReason.INAPPROPRIATE_PHOTOS: 25,
    ReportReason.SPAM_OR_SCAM: 25,
    ReportReason.FAKE_PROFILE: 20,
    ReportReason.OTHER: 10,
}
ESTABLISHED_REPORTER_WEIGHT = 15
MAX_COUNTED_REPORTERS = 8
ABUSE_FLAG_WEIGHT = 10
MAX_COUNTED_FLAGS = 5

AbuseFlagSource = Callable[[UUID, datetime], int]
_flag_sources: dict[str, AbuseFlagSource] = {}


def register_abuse_flag_source(name: str, source: AbuseFlagSource) -> None:
    """Add (or replace) a named source: `source(user_id, since)` → how many abuse flags
    the person got since then."""
    _flag_sources[name] = source


def most_serious(reasons: list[str]) -> str:
    return max(reasons, key=lambda reason: REASON_WEIGHTS.get(reason, 0))


def _signal_window_start(now: datetime) -> datetime:
    return now - timedelta(days=settings.KINDRED_MODERATION_SIGNAL_WINDOW_DAYS)


def user_signals(*, user_id: UUID, now: datetime | None = None) -> dict[str, Any]:
    """The person's automatic signals: distinct established reporters and abuse flags per
    source, within the window."""
    now = now or timezone.now()
    since = _signal_window_start(now)
    established_age = timedelta(days=settings.KINDRED_MODERATION_ESTABLISHED_ACCOUNT_DAYS)
    reporters = (
        Report.objects.filter(
            reported_id=user_id,
            last_submitted_at__gte=since,
            reporter__date_joined__lte=F("created_at") - established_age,
        )
        .values("reporter_id")
        .distinct()
        .count()
    )
    flags = {name: source(user_id, since) for name, source in _flag_sources.items()}
    return {"established_reporters": reporters, "abuse_flags": flags}


def priority_of(*, reason: str, signals: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    reporters = min(signals["established_reporters"], MAX_COUNTED_REPORTERS)
    flags = min(sum(signals["abuse_flags"].values()), MAX_COUNTED_FLAGS)
    factors = {
        "reason": REASON_WEIGHTS.get(reason, 0),
        "established_reporters": reporters * ESTABLISHED_REPORTER_WEIGHT,
        "abuse_flags": flags * ABUSE_FLAG_WEIGHT,
    }
    details = {**factors, "signals": signals}
    return sum(factors.values()), details


def report_priority_refresh(*, user_id: UUID) -> int:
    """Recompute the priority of every open report about `user_id`; returns how many.
    Idempotent; call inside the transaction that added a report or after a new flag."""
    signals = user_signals(user_id=user_id)
    reports = list(Report.objects.filter(reported_id=user_id, status=ReportStatus.OPEN))
    for report in reports:
        report.priority, report.priority_factors = priority_of(
            reason=report.reason, signals=signals
        )
    Report.objects.bulk_update(reports, ["priority", "priority_factors"])
    return len(reports)
