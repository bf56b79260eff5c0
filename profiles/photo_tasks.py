"""Photo tasks, on the `media` queue: decoding and encoding are slow and memory-hungry, so
they never hold up the default queue."""

from typing import Any

from celery import shared_task

from profiles.photo_services import (
    TRANSIENT_STORAGE_ERRORS,
    photo_delete_files_for_profile,
    photo_delete_storage_objects,
    photo_process,
)

__all__ = [
    "photo_delete_files_for_profile_task",
    "photo_delete_storage_objects_task",
    "photo_process_task",
]

_RETRY: dict[str, Any] = {
    "autoretry_for": TRANSIENT_STORAGE_ERRORS,
    "retry_backoff": 5,
    "retry_backoff_max": 120,
    "retry_jitter": True,
    "max_retries": 3,
}


@shared_task(name="profiles.process_photo", queue="media", **_RETRY)
def photo_process_task(photo_id: str) -> None:
    """Render the photo's renditions. Idempotent: a photo no longer `processing` is left
    alone; undecodable images end `failed` without a retry."""
    photo_process(photo_id=photo_id)


@shared_task(name="profiles.delete_photo_files", queue="media", **_RETRY)
def photo_delete_storage_objects_task(names: list[str]) -> None:
    """Delete stored photo objects whose rows are gone. Idempotent."""
    photo_delete_storage_objects(names=names)


@shared_task(name="profiles.delete_profile_photo_files", queue="media", **_RETRY)
def photo_delete_files_for_profile_task(profile_id: str) -> int:
    """Delete everything stored under a profile's photo folder. Idempotent."""
    return photo_delete_files_for_profile(profile_id=profile_id)
