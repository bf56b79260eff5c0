"""Export and erasure of what moderation holds on a person (contract: accounts.data_rights).

Export: the blocks the person made, the reports they filed (their own words; never the
frozen evidence, which shows the other person), and the sanctions on their account with
appeals, as they were told about them (internal notes and moderators left out).

Erasure deletes blocks in both directions. Reports (filed by or about the person), their
evidence, sanctions, appeals and audit entries are kept for moderation's own retention
periods (KINDRED_EVIDENCE_RETENTION_DAYS and the audit purge): they point at the
anonymised account row.
"""

from uuid import UUID

from django.db.models import Q

from accounts.data_rights import ExportSection, People, iso
from moderation.models import Block, Evidence, Report, Sanction

LABEL = "moderation"
ERASE_ORDER = 50


def export_user_data(*, user_id: UUID, people: People) -> ExportSection:
    reports = []
    for report in Report.objects.filter(reporter_id=user_id).order_by("created_at"):
        reports.append(
            {
                "person": people.name(report.reported_id),
                "reasons": list(report.reasons),
                "status": report.status,
                "filed_at": iso(report.created_at),
                "last_submitted_at": iso(report.last_submitted_at),
                "resolved_at": iso(report.resolved_at),
                "details": [
                    {"reason": item.reason, "details": item.details, "at": iso(item.created_at)}
                    for item in Evidence.objects.filter(report=report).order_by("created_at")
                ],
            }
        )
    sanctions = []
    for sanction in (
        Sanction.objects.filter(user_id=user_id).select_related("appeal").order_by("created_at")
    ):
        appeal = getattr(sanction, "appeal", None)
        sanctions.append(
            {
                "kind": sanction.kind,
                "status": sanction.status,
                "reason": sanction.policy_reason,
                "imposed_at": iso(sanction.created_at),
                "ends_at": iso(sanction.ends_at),
                "ended_at": iso(sanction.ended_at),
                "appeal": (
                    {
                        "message": appeal.message,
                        "status": appeal.status,
                        "appealed_at": iso(appeal.created_at),
                        "decided_at": iso(appeal.decided_at),
                        "decision": appeal.decision_note,
                    }
                    if appeal
                    else None
                ),
            }
        )
    return ExportSection(
        data={
            "blocks": [
                {"person": people.name(block.blocked_id), "blocked_at": iso(block.created_at)}
                for block in Block.objects.filter(blocker_id=user_id).order_by("created_at")
            ],
            "reports_filed": reports,
            "sanctions": sanctions,
        }
    )


def erase_user_data(*, user_id: UUID) -> None:
    Block.objects.filter(Q(blocker_id=user_id) | Q(blocked_id=user_id)).delete()
