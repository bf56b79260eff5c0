"""Passes: "not for me" on a profile, which keeps it out of my deck, search and picks for
KINDRED_PASS_COOLDOWN_DAYS. The matching app's `POST /matching/passes` and rewind call these.
"""

from uuid import UUID

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core.exceptions import NotFound, ValidationFailed
from discovery.exclusions import pass_cooldown_start
from discovery.models import Pass
from discovery.visibility import viewer_can_see
from profiles.models import Profile


@transaction.atomic
def pass_create(*, actor: User, target_id: UUID) -> Pass:
    """Pass on a profile. Idempotent per pair: passing again restarts the cooldown (one row,
    `created_at` moved to now), also under concurrent calls (an upsert on the unique pair).

    Raises ValidationFailed 400 `cannot_pass_self` for oneself and NotFound for a profile
    that is unknown or not visible to the actor (an existing pass on it may be refreshed).
    """
    if target_id == actor.pk:
        raise ValidationFailed("You cannot pass on yourself.", code="cannot_pass_self")
    existing = Pass.objects.filter(actor_id=actor.pk, target_id=target_id)
    # A concurrent pass on the same profile hides it from the visibility check; once that
    # pass has committed it shows in the second `exists()`, and this call refreshes it.
    if (
        not existing.exists()
        and not viewer_can_see(Profile.objects.get(pk=actor.pk), target_id)
        and not existing.exists()
    ):
        raise NotFound("No such profile.")
    now = timezone.now()
    Pass.objects.bulk_create(
        [Pass(actor_id=actor.pk, target_id=target_id, created_at=now, updated_at=now)],
        update_conflicts=True,
        unique_fields=["actor", "target"],
        update_fields=["created_at", "updated_at"],
    )
    # Read back: on a conflict the instance keeps the client-side id of the failed insert.
    return Pass.objects.get(actor_id=actor.pk, target_id=target_id)


@transaction.atomic
def pass_undo_last(*, actor: User) -> Pass | None:
    """Undo (delete) my most recent pass still within its cooldown; None when there is none.

    Each pass is undone at most once: the row is locked, so two concurrent calls behave as
    two in a row (the second waits, then undoes the next most recent, or returns None).
    """
    latest = (
        Pass.objects.select_for_update()
        .filter(actor_id=actor.pk, created_at__gt=pass_cooldown_start())
        .order_by("-created_at", "-id")
        .first()
    )
    if latest is None:
        return None
    Pass.objects.filter(pk=latest.pk).delete()
    return latest


def pass_lift(*, actor_id: UUID, target_id: UUID) -> bool:
    """Delete my pass on `target_id`, whatever its age (matching calls it when I like someone
    I had passed: the like supersedes the pass). Returns whether there was one."""
    deleted, _ = Pass.objects.filter(actor_id=actor_id, target_id=target_id).delete()
    return deleted > 0


def passes_expire(*, batch_size: int) -> int:
    """Delete passes whose cooldown is over, `batch_size` rows per statement (each its own
    short transaction, so no delete holds locks for long). Returns how many were deleted.
    Idempotent; the cut-off is fixed at the start so the loop always ends."""
    cutoff = pass_cooldown_start()
    total = 0
    while True:
        batch = Pass.objects.filter(created_at__lte=cutoff).order_by().values("pk")[:batch_size]
        deleted, _ = Pass.objects.filter(pk__in=batch).delete()
        total += deleted
        if deleted < batch_size:
            return total
