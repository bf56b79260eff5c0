"""The shortlist: profiles I saved to look at again.

Only a profile the viewer may see (`viewer_can_see`) can be saved; anything else is 404, so
ids reveal nothing. The list shows only entries whose profile is still visible to the owner
(someone paused, blocked or passed drops out of it, and comes back if visible again); removing
works whatever the profile's state, so a hidden entry can always be cleaned up.
"""

from dataclasses import dataclass
from uuid import UUID

from django.db import transaction
from django.db.models import QuerySet

from accounts.models import User
from core.exceptions import NotFound
from discovery.models import ShortlistEntry
from discovery.visibility import candidates_for, viewer_can_see
from profiles.models import Profile


@dataclass(frozen=True)
class ShortlistResult:
    entry: ShortlistEntry
    created: bool


@transaction.atomic
def shortlist_add(*, owner: User, profile_id: UUID) -> ShortlistResult:
    """Save a profile. Idempotent: saving it again returns the existing entry with
    `created=False`. Concurrent saves of the same profile leave one row (the unique
    constraint settles the race). Raises NotFound for oneself, unknown or hidden profiles."""
    viewer = Profile.objects.get(pk=owner.pk)
    if not viewer_can_see(viewer, profile_id):
        raise NotFound("No such profile.")
    entry, created = ShortlistEntry.objects.get_or_create(owner_id=owner.pk, target_id=profile_id)
    return ShortlistResult(entry=entry, created=created)


@transaction.atomic
def shortlist_remove(*, owner: User, profile_id: UUID) -> None:
    """Remove a saved profile. Raises NotFound when it is not on the owner's shortlist
    (a repeated DELETE is a 404: the client may treat it as done)."""
    deleted, _ = ShortlistEntry.objects.filter(owner_id=owner.pk, target_id=profile_id).delete()
    if not deleted:
        raise NotFound("This profile is not on your shortlist.")


def shortlist_list_for_owner(*, owner: User) -> QuerySet[ShortlistEntry]:
    """The owner's entries whose profile they may still see, newest first (paginate it, then
    load the profiles of a page with `shortlist_profiles`)."""
    viewer = Profile.objects.get(pk=owner.pk)
    return ShortlistEntry.objects.filter(
        owner_id=owner.pk, target_id__in=candidates_for(viewer).values("pk")
    ).order_by("-created_at", "-id")


def shortlist_profiles(*, entries: list[ShortlistEntry]) -> dict[UUID, Profile]:
    """The profiles of a page of entries, by id, in one query (+ interests)."""
    ids = [entry.target_id for entry in entries]
    return {
        profile.pk: profile
        for profile in Profile.objects.filter(pk__in=ids).prefetch_related("interests")
    }
