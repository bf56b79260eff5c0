"""Photo files follow their rows, however the rows go.

Services delete photos and their files explicitly. Rows can also go by cascade (an account
or profile deleted, in the admin or by account deletion), which bypasses every service: this
receiver schedules the same file cleanup after commit for those. Connected by importing this
module (ProfilesConfig.ready); `dispatch_uid` makes a second import harmless.
"""

from functools import partial
from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from profiles.models import Photo
from profiles.photo_services import (
    photo_delete_storage_objects_or_retry,
    photo_storage_names,
)


@receiver(post_delete, sender=Photo, dispatch_uid="profiles.photo_files_follow_row")
def delete_photo_files_with_row(sender: type[Photo], instance: Photo, **kwargs: Any) -> None:
    if getattr(instance, "_storage_cleanup_scheduled", False):
        return
    transaction.on_commit(
        partial(photo_delete_storage_objects_or_retry, names=photo_storage_names(photo=instance)),
        using=kwargs.get("using"),
    )
