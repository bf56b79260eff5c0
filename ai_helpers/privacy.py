"""Export and erasure of what ai_helpers holds on a person (contract: accounts.data_rights).

Export: the person's AI jobs; the result of a profile analysis (about their own profile) is
included, the openers' result is not (it is drawn from the other person's profile).

Erasure: the person's jobs, and other people's opener jobs for a match with them (drawn
from the erased profile).
"""

from uuid import UUID

from django.db.models import Q

from accounts.data_rights import ExportSection, People, iso
from ai_helpers.models import AIJob, AIJobKind

LABEL = "ai"
ERASE_ORDER = 10


def export_user_data(*, user_id: UUID, people: People) -> ExportSection:
    jobs = []
    for job in AIJob.objects.filter(user_id=user_id).select_related("match").order_by("created_at"):
        entry = {
            "kind": job.kind,
            "status": job.status,
            "requested_at": iso(job.created_at),
            "finished_at": iso(job.finished_at),
            "provider": job.provider,
        }
        if job.kind == AIJobKind.PROFILE_ANALYSIS:
            entry["result"] = job.result
        elif job.match is not None:
            entry["match_with"] = people.name(job.match.other_user_id(user_id))
        jobs.append(entry)
    return ExportSection(data={"jobs": jobs})


def erase_user_data(*, user_id: UUID) -> None:
    AIJob.objects.filter(
        Q(user_id=user_id) | Q(match__user_low_id=user_id) | Q(match__user_high_id=user_id)
    ).delete()
