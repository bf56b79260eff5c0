"""Tasks of the quiz, prompts and badges area: thin, idempotent, keyed by profile id.

Schedule them with `transaction.on_commit` (see `schedule_*` below), never from inside an
open transaction.
"""

from functools import partial
from uuid import UUID

from celery import shared_task
from django.db import transaction

from profiles.badges import badges_refresh
from profiles.compatibility import compatibility_recompute_for_profile

__all__ = [
    "recompute_compatibility_task",
    "refresh_badges_task",
    "schedule_badges_refresh",
    "schedule_compatibility_recompute",
]


@shared_task(name="profiles.recompute_compatibility", queue="default")
def recompute_compatibility_task(profile_id: str) -> int:
    """Rewrite the cached compatibility rows involving the profile; returns rows changed."""
    return compatibility_recompute_for_profile(profile_id=UUID(str(profile_id)))


@shared_task(name="profiles.refresh_badges", queue="default")
def refresh_badges_task(profile_id: str) -> list[str]:
    """Award and revoke the profile's badges to match its facts; returns the codes held."""
    return sorted(badges_refresh(profile_id=UUID(str(profile_id))).held)


def schedule_compatibility_recompute(*, profile_id: UUID | str) -> None:
    """Queue `profiles.recompute_compatibility` once the current transaction commits."""
    transaction.on_commit(partial(recompute_compatibility_task.delay, str(profile_id)))


def schedule_badges_refresh(*, profile_id: UUID | str) -> None:
    """Queue `profiles.refresh_badges` once the current transaction commits."""
    transaction.on_commit(partial(refresh_badges_task.delay, str(profile_id)))
