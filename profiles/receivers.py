from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from accounts.models import User
from profiles.services import profile_create_for_user, profile_refresh_completion


@receiver(post_save, sender=User, dispatch_uid="profiles.create_profile_with_account")
def create_profile_with_account(
    sender: type[User], instance: User, created: bool, **kwargs: Any
) -> None:
    """Every account gets its profile in the same transaction, however it was created
    (sign-up, admin, createsuperuser, demo data)."""
    if kwargs.get("raw"):
        return
    if created:
        profile_create_for_user(user=instance)
    else:
        # Deactivation, a ban or a suspension saved through the model changes discoverability.
        profile_refresh_completion(profile_id=instance.pk)
