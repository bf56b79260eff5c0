"""Writes on profiles: creation with the account, basics and preferences, location,
onboarding state, verification."""

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from profiles.models import Profile
from profiles.onboarding import approved_photo_count, is_complete, onboarding_steps


def profile_create_for_user(*, user: User) -> Profile:
    """The empty profile every account gets at creation. Idempotent."""
    profile, _ = Profile.objects.get_or_create(user=user)
    return profile


def profile_refresh_completion(*, profile_id: object) -> bool:
    """Recompute whether the profile's required onboarding steps are done and store it.

    Call after anything that can change a required step (basics, preferences, location,
    photo approval or deletion). Returns the new `is_complete`.
    """
    with transaction.atomic():
        profile = Profile.objects.select_for_update().get(pk=profile_id)
        steps = onboarding_steps(
            profile, today=timezone.localdate(), approved_photos=approved_photo_count(profile)
        )
        complete = is_complete(steps)
        if complete != profile.is_complete:
            profile.is_complete = complete
            profile.save(update_fields=["is_complete", "updated_at"])
    return complete


def profile_primary_photo_changed(*, profile_id: object) -> None:
    """A new primary photo must be verified again: drop the verified mark."""
    Profile.objects.filter(pk=profile_id, is_verified=True).update(
        is_verified=False, verified_at=None, updated_at=timezone.now()
    )
