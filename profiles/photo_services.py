"""Writes on profile photos: upload, processing, moderation, reorder, delete, file cleanup.

Storage layout, one folder per photo: `photos/<profile id>/<photo id>/original` (the upload
as received, private, never shown to clients) and `.../{small,medium,large}.webp` (the
renditions, rebuilt from pixels). Rendition names are fixed, so processing twice writes the
same objects. Objects go away only after the deleting transaction commits.
"""

import logging
import uuid
from collections.abc import Iterable
from functools import partial
from typing import Any

from botocore import exceptions as botocore_exceptions
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core.exceptions import (
    Conflict,
    NotFound,
    ServiceUnavailable,
    ValidationFailed,
)
from profiles.imaging import RENDITION_EDGES, ImageRejected, render_photo, validate_upload
from profiles.models import MAX_PHOTOS, ModerationState, Photo, PhotoStatus, Profile
from profiles.services import profile_primary_photo_changed, profile_refresh_completion

logger = logging.getLogger(__name__)

# Storage failures worth another try: the bucket was unreachable or slow, not wrong.
TRANSIENT_STORAGE_ERRORS: tuple[type[BaseException], ...] = (
    botocore_exceptions.ConnectionError,  # endpoint unreachable, connect timeout
    botocore_exceptions.HTTPClientError,  # read timeout, connection closed mid-way
    ConnectionError,
    TimeoutError,
)
# Any failure of the storage backend as seen from a request (answered 503).
STORAGE_ERRORS: tuple[type[BaseException], ...] = (
    botocore_exceptions.BotoCoreError,
    botocore_exceptions.ClientError,
    OSError,
)


def photo_storage_prefix(*, profile_id: Any, photo_id: Any) -> str:
    return f"photos/{profile_id}/{photo_id}"


def photo_rendition_name(*, profile_id: Any, photo_id: Any, size: str) -> str:
    return f"{photo_storage_prefix(profile_id=profile_id, photo_id=photo_id)}/{size}.webp"


def photo_storage_names(*, photo: Photo) -> list[str]:
    """Every object a photo may own: the original and each possible rendition, whether or
    not processing got that far (deleting a missing object is a no-op)."""
    names = {
        photo_rendition_name(profile_id=photo.profile_id, photo_id=photo.id, size=size)
        for size in RENDITION_EDGES
    }
    names.update(str(name) for name in (photo.renditions or {}).values() if name)
    if photo.original.name:
        names.add(photo.original.name)
    return sorted(names)


# --- Upload -----------------------------------------------------------------------------------


def photo_upload(*, user: User, image: UploadedFile) -> Photo:
    """Check an uploaded image, store it privately and queue its processing.

    Refusals, each leaving no row and no stored object: 413 `photo_too_large` over
    KINDRED_PHOTO_MAX_BYTES; 400 `unsupported_image` (format not accepted, content not
    matching the name, data hidden after the image), `corrupt_image` (truncated),
    `image_too_many_pixels` (over KINDRED_PHOTO_MAX_PIXELS); 409 `photo_limit_reached` at
    MAX_PHOTOS. The count check runs under the profile's row lock, so two uploads racing
    for the last slot cannot both win. After commit: the processing task, and the
    onboarding state refresh (a new photo can become the primary).
    """
    validated = validate_upload(image, too_large_code="photo_too_large")
    inspected, data = validated.image, validated.content

    stored_name: str | None = None
    try:
        with transaction.atomic():
            profile = _lock_profile(user=user)
            positions = list(
                Photo.objects.filter(profile=profile).values_list("position", flat=True)
            )
            if len(positions) >= MAX_PHOTOS:
                raise Conflict(
                    f"A profile can have at most {MAX_PHOTOS} photos.",
                    code="photo_limit_reached",
                    extra={"max_photos": MAX_PHOTOS},
                )
            photo = Photo(
                profile=profile,
                position=max(positions, default=-1) + 1,
                content_type=inspected.content_type,
                width=inspected.width,
                height=inspected.height,
            )
            content = ContentFile(data)
            content.content_type = inspected.content_type  # type: ignore[attr-defined]
            try:
                photo.original.save("original", content, save=False)
            except STORAGE_ERRORS as error:
                logger.warning("photo original could not be stored", exc_info=error)
                raise ServiceUnavailable(
                    "The photo could not be stored. Try again shortly.",
                    code="storage_unavailable",
                ) from error
            stored_name = photo.original.name
            photo.save(force_insert=True)
            transaction.on_commit(partial(_enqueue_processing, str(photo.id)))
            transaction.on_commit(partial(profile_refresh_completion, profile_id=profile.pk))
            if photo.position == 0:
                transaction.on_commit(partial(profile_primary_photo_changed, profile_id=profile.pk))
    except BaseException:
        # The row never committed: the stored original must not outlive it.
        if stored_name:
            photo_delete_storage_objects(names=[stored_name])
        raise
    return photo


def _enqueue_processing(photo_id: str) -> None:
    from profiles.photo_tasks import photo_process_task

    photo_process_task.delay(photo_id)


def _lock_profile(*, user: User) -> Profile:
    """Serializes every write on one profile's photos (count, positions)."""
    profile = Profile.objects.select_for_update().filter(pk=user.pk).first()
    if profile is None:
        raise NotFound("No profile.")
    return profile


# --- Processing --------------------------------------------------------------------------------


def photo_process(*, photo_id: Any) -> Photo | None:
    """Render a photo's WebP renditions and blurhash from its original; `processing` →
    `ready`, or `failed` with a reason when the pixels cannot be decoded (not retried).

    Idempotent: a photo already `ready` or `failed` is left alone, and rendition names are
    fixed, so a retry after a crash overwrites the same objects. Storage errors propagate
    (the task retries the transient ones). A photo deleted while it was being rendered
    gets its fresh renditions removed. Returns the photo, or None when it no longer exists.
    """
    photo = Photo.objects.filter(pk=photo_id).first()
    if photo is None or photo.status != PhotoStatus.PROCESSING:
        return photo
    storage: Storage = photo.original.storage
    try:
        with storage.open(str(photo.original.name), "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        return _photo_mark_failed(photo_id=photo.id, reason="The uploaded file is missing.")
    except botocore_exceptions.ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey"):
            return _photo_mark_failed(photo_id=photo.id, reason="The uploaded file is missing.")
        raise

    try:
        rendered = render_photo(data, max_pixels=settings.KINDRED_PHOTO_MAX_PIXELS)
    except ImageRejected as rejection:
        return _photo_mark_failed(photo_id=photo.id, reason=rejection.message)

    names: dict[str, str] = {}
    for size, rendition in rendered.renditions.items():
        name = photo_rendition_name(profile_id=photo.profile_id, photo_id=photo.id, size=size)
        _write_exactly(storage, name, rendition.data, content_type=rendition.content_type)
        names[size] = name

    with transaction.atomic():
        current = Photo.objects.select_for_update().filter(pk=photo.id).first()
        if current is None:
            transaction.on_commit(
                partial(photo_delete_storage_objects, names=sorted(names.values()))
            )
            return None
        if current.status != PhotoStatus.PROCESSING:
            return current
        current.status = PhotoStatus.READY
        current.renditions = names
        current.blurhash = rendered.blurhash
        current.width = rendered.width
        current.height = rendered.height
        current.failure_reason = ""
        current.processed_at = timezone.now()
        current.save(
            update_fields=[
                "status",
                "renditions",
                "blurhash",
                "width",
                "height",
                "failure_reason",
                "processed_at",
                "updated_at",
            ]
        )
    return current


def _photo_mark_failed(*, photo_id: Any, reason: str) -> Photo | None:
    now = timezone.now()
    Photo.objects.filter(pk=photo_id, status=PhotoStatus.PROCESSING).update(
        status=PhotoStatus.FAILED, failure_reason=reason[:200], processed_at=now, updated_at=now
    )
    logger.info("photo processing failed", extra={"photo_id": str(photo_id), "reason": reason})
    return Photo.objects.filter(pk=photo_id).first()


def _write_exactly(storage: Storage, name: str, data: bytes, *, content_type: str) -> None:
    """Store `data` under exactly `name`, replacing an earlier copy.

    Storages configured not to overwrite (S3 here) would otherwise save a second object
    under a made-up name on a retry.
    """
    if storage.exists(name):
        storage.delete(name)
    content = ContentFile(data)
    content.content_type = content_type  # type: ignore[attr-defined]
    saved = storage.save(name, content)
    if saved != name:  # a concurrent run of the same photo got there first
        storage.delete(saved)


# --- Moderation ----------------------------------------------------------------------------------


def photo_set_moderation_state(
    *, photo_id: Any, state: str, moderator: User | None = None
) -> Photo:
    """Approve, reject or reset (`pending`) a photo. Only approved photos are shown to
    others, and a profile needs one to be discoverable: onboarding completion is refreshed
    after commit. Idempotent for the same state. NotFound for an unknown photo."""
    if state not in ModerationState.values:
        raise ValidationFailed(
            "Unknown moderation state.",
            code="invalid_moderation_state",
            extra={"allowed": list(ModerationState.values)},
        )
    with transaction.atomic():
        photo = Photo.objects.select_for_update().filter(pk=photo_id).first()
        if photo is None:
            raise NotFound("No such photo.")
        if photo.moderation_state == state:
            return photo
        photo.moderation_state = state
        photo.save(update_fields=["moderation_state", "updated_at"])
        transaction.on_commit(partial(profile_refresh_completion, profile_id=photo.profile_id))
    logger.info(
        "photo moderated",
        extra={
            "photo_id": str(photo.id),
            "state": state,
            "moderator_id": str(moderator.pk) if moderator is not None else None,
        },
    )
    return photo


# --- Reorder -------------------------------------------------------------------------------------


def photo_reorder(*, user: User, photo_ids: list[Any]) -> list[Photo]:
    """Put my photos in the given order; the first is the primary photo.

    `photo_ids` must name each of my photos exactly once (400 `photo_order_mismatch`
    otherwise, with what is missing, unknown or repeated; nothing changes). The positions
    are rewritten in one transaction (the unique position constraint is checked at commit,
    so swaps pass). A new primary photo drops the verified mark, after commit.
    """
    with transaction.atomic():
        profile = _lock_profile(user=user)
        photos = list(Photo.objects.filter(profile=profile).order_by("position"))
        by_id = {photo.id: photo for photo in photos}
        wanted = [_as_uuid_key(photo_id) for photo_id in photo_ids]
        repeated = sorted({str(key) for key in wanted if wanted.count(key) > 1})
        unknown = sorted(str(key) for key in set(wanted) - set(by_id))
        missing = sorted(str(key) for key in set(by_id) - set(wanted))
        if repeated or unknown or missing:
            raise ValidationFailed(
                "List each of your photos exactly once.",
                code="photo_order_mismatch",
                extra={"missing": missing, "unknown": unknown, "repeated": repeated},
            )
        old_primary = photos[0].id if photos else None
        now = timezone.now()
        changed = []
        for position, key in enumerate(wanted):
            photo = by_id[key]
            if photo.position != position:
                photo.position = position
                photo.updated_at = now
                changed.append(photo)
        if changed:
            Photo.objects.bulk_update(changed, ["position", "updated_at"])
        if wanted and wanted[0] != old_primary:
            transaction.on_commit(partial(profile_primary_photo_changed, profile_id=profile.pk))
    return [by_id[key] for key in wanted]


def _as_uuid_key(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


# --- Delete --------------------------------------------------------------------------------------


def photo_delete(*, user: User, photo_id: Any) -> None:
    """Delete one of my photos (NotFound for anyone else's) and close the gap in the
    positions. After commit: its stored objects are removed, onboarding completion is
    refreshed, and if it was the primary photo the verified mark is dropped."""
    with transaction.atomic():
        profile = _lock_profile(user=user)
        photo = Photo.objects.filter(pk=photo_id, profile=profile).first()
        if photo is None:
            raise NotFound("No such photo.")
        names = photo_storage_names(photo=photo)
        was_primary = photo.position == 0
        # The cascade receiver would schedule the same cleanup; this service does it itself.
        photo._storage_cleanup_scheduled = True  # type: ignore[attr-defined]
        photo.delete()
        remaining = list(Photo.objects.filter(profile=profile).order_by("position"))
        now = timezone.now()
        moved = []
        for position, other in enumerate(remaining):
            if other.position != position:
                other.position = position
                other.updated_at = now
                moved.append(other)
        if moved:
            Photo.objects.bulk_update(moved, ["position", "updated_at"])
        transaction.on_commit(partial(photo_delete_storage_objects_or_retry, names=names))
        transaction.on_commit(partial(profile_refresh_completion, profile_id=profile.pk))
        if was_primary:
            transaction.on_commit(partial(profile_primary_photo_changed, profile_id=profile.pk))


def photo_delete_storage_objects(*, names: Iterable[str]) -> None:
    """Delete stored objects by name; missing ones are fine. Storage errors propagate."""
    storage: Storage = default_storage
    for name in names:
        storage.delete(name)


def photo_delete_storage_objects_or_retry(*, names: list[str]) -> None:
    """Delete now; if the storage is unreachable, leave it to a retried `media` task, so
    that the request that deleted the rows still succeeds."""
    try:
        photo_delete_storage_objects(names=names)
    except STORAGE_ERRORS as error:
        logger.warning("photo files not deleted, queued for retry", exc_info=error)
        from profiles.photo_tasks import photo_delete_storage_objects_task

        photo_delete_storage_objects_task.delay(names)


def photo_delete_files_for_profile(*, profile_id: Any) -> int:
    """Remove every stored object under the profile's photo folder, rows or not (account
    deletion; orphans of interrupted uploads). Run it after the deleting transaction has
    committed. Returns how many objects were deleted. Idempotent."""
    storage: Storage = default_storage
    names = list(_walk(storage, f"photos/{profile_id}"))
    photo_delete_storage_objects(names=names)
    return len(names)


def _walk(storage: Storage, folder: str) -> Iterable[str]:
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{folder}/{name}"
    for child in folders:
        yield from _walk(storage, f"{folder}/{child}")
