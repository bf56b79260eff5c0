"""Evidence retention: snapshots are kept through unmatches and account deletions, and
deleted KINDRED_EVIDENCE_RETENTION_DAYS after their report was closed (open reports keep
theirs, a moderator still needs them). The report row itself stays, marked purged."""

from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from moderation.evidence import evidence_storage_names
from moderation.models import Evidence, Report, ReportStatus
from profiles.photo_services import photo_delete_storage_objects_or_retry


def evidence_purge_expired(*, now: datetime | None = None, limit: int = 500) -> int:
    """Delete the evidence (rows and copied photos) of reports closed before the retention
    cutoff. Idempotent; returns how many reports were purged in this run."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.KINDRED_EVIDENCE_RETENTION_DAYS)
    report_ids = list(
        Report.objects.filter(resolved_at__lt=cutoff, evidence_purged_at__isnull=True)
        .exclude(status=ReportStatus.OPEN)
        .values_list("pk", flat=True)[:limit]
    )
    for report_id in report_ids:
        with transaction.atomic():
            evidence = list(Evidence.objects.filter(report_id=report_id))
            names = [name for item in evidence for name in evidence_storage_names(evidence=item)]
            Evidence.objects.filter(report_id=report_id).delete()
            Report.objects.filter(pk=report_id).update(evidence_purged_at=now, updated_at=now)
            if names:
                transaction.on_commit(partial(photo_delete_storage_objects_or_retry, names=names))
    return len(report_ids)
