"""Reads of AI jobs."""

from uuid import UUID

from accounts.models import User
from ai_helpers.models import AIJob
from core.exceptions import NotFound


def ai_job_get_for_user(*, user: User, job_id: UUID) -> AIJob:
    """The job if `user` asked for it; NotFound for a missing job and for anyone else's
    alike."""
    job = AIJob.objects.filter(pk=job_id, user_id=user.pk).first()
    if job is None:
        raise NotFound("No such job.")
    return job
