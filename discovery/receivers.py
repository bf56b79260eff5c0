"""Decks follow the profile they were built for: a change of preferences, location or
standing throws the deck away and schedules a rebuild (after commit)."""

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from discovery.deck_services import deck_invalidate
from profiles.models import Profile

# Fields whose change makes a built deck wrong for its owner.
DECK_INPUTS = frozenset(
    {
        "gender", "birth_date", "interested_in", "age_min", "age_max", "max_distance_km",
        "wants_verified_only", "latitude", "longitude", "cell", "is_complete",
        "is_discoverable", "is_verified",
    }
)  # fmt: skip


@receiver(post_save, sender=Profile, dispatch_uid="discovery.invalidate_deck_on_profile_change")
def invalidate_deck_on_profile_change(
    sender: type[Profile], instance: Profile, created: bool, **kwargs: Any
) -> None:
    update_fields = kwargs.get("update_fields")
    if created or kwargs.get("raw"):
        return
    if update_fields is None or DECK_INPUTS.intersection(update_fields):
        deck_invalidate(user_id=instance.pk)
