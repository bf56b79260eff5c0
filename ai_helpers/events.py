"""The `ai.job_completed` socket event and the in-app notification of a finished job."""

import json
from typing import Any

from ai_helpers.models import AIJob, AIJobKind, AIJobStatus
from ai_helpers.serializers import AIJobOutput
from core.realtime import send_to_users_on_commit
from notifications.services import notify

JOB_COMPLETED = "ai.job_completed"

_READY_TITLES = {
    AIJobKind.PROFILE_ANALYSIS: "Your profile analysis is ready",
    AIJobKind.OPENERS: "Your opener ideas are ready",
}


def job_payload(job: AIJob) -> dict[str, Any]:
    """The job as GET /ai/jobs/{id} shows it, as plain JSON values."""
    payload: dict[str, Any] = json.loads(json.dumps(AIJobOutput(job).data))
    return payload


def job_completed_on_commit(job: AIJob) -> None:
    """Once the finishing transaction commits: the job to every socket of its requester,
    and, for a result, an in-app notification (a failure is shown on the socket and by GET
    only: a push saying "nothing" helps nobody)."""
    send_to_users_on_commit([job.user_id], {"type": JOB_COMPLETED, "job": job_payload(job)})
    if job.status == AIJobStatus.SUCCEEDED:
        notify(
            user_id=job.user_id,
            kind="ai_job_completed",
            title=_READY_TITLES[AIJobKind(job.kind)],
            data={"job_id": str(job.pk), "kind": job.kind, "match_id": _text(job.match_id)},
            collapse_key=f"ai_job:{job.pk}",
        )


def _text(value: object) -> str | None:
    return None if value is None else str(value)
