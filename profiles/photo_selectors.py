"""Reads on profile photos, and the signed URLs clients get for them."""

from collections.abc import Iterable
from typing import Any

from django.core.files.storage import default_storage
from django.db.models import QuerySet

from accounts.models import User
from profiles.models import ModerationState, Photo, PhotoStatus

RENDITION_SIZES = ("small", "medium", "large")


def photo_list_for_owner(*, user: User) -> QuerySet[Photo]:
    """All my photos in order, whatever their processing or moderation state."""
    return Photo.objects.filter(profile_id=user.pk).order_by("position")


def photo_public_queryset() -> QuerySet[Photo]:
    """Photos others may see: approved and ready, in the owner's order. For Prefetch()."""
    return Photo.objects.filter(
        moderation_state=ModerationState.APPROVED, status=PhotoStatus.READY
    ).order_by("profile_id", "position")


def photo_list_public(*, profile_ids: Iterable[Any]) -> dict[Any, list[Photo]]:
    """The photos others may see of each given profile, in order, in one query.

    Every requested profile id is a key (with an empty list when it has none to show).
    """
    ids = list(profile_ids)
    grouped: dict[Any, list[Photo]] = {profile_id: [] for profile_id in ids}
    for photo in photo_public_queryset().filter(profile_id__in=ids):
        grouped.setdefault(photo.profile_id, []).append(photo)
    return grouped


def photo_signed_urls(*, photo: Photo) -> dict[str, str] | None:
    """Signed, expiring URLs of the renditions; None until the photo is ready. Signing is
    local (no request to the storage), so lists stay cheap."""
    if photo.status != PhotoStatus.READY or not photo.renditions:
        return None
    return {size: default_storage.url(photo.renditions[size]) for size in RENDITION_SIZES}
