"""Matching follows what happens around it (connected in `MatchingConfig.ready`).

- moderation's `block_created`: the pair's open match ends (unmatched, by the blocker).
- Blocks created or removed, likes deleted (also by an account's erasure), a liker's profile
  becoming (un)discoverable: the cached likes-received counts concerned are dropped after
  commit (see received_count). Model signals are used for these so that no other app has
  to remember to call matching.
"""

from typing import Any
from uuid import UUID

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from matching.models import Like
from matching.received_count import likes_received_changed, likes_received_changed_on_commit
from matching.services import match_end_for_block
from moderation.models import Block
from moderation.signals import block_created
from profiles.models import Profile


@receiver(block_created, dispatch_uid="matching.end_match_on_block")
def end_match_on_block(sender: Any, blocker_id: UUID, blocked_id: UUID, **kwargs: Any) -> None:
    match_end_for_block(blocker_id=blocker_id, blocked_id=blocked_id)


@receiver(post_save, sender=Block, dispatch_uid="matching.block_saved")
@receiver(post_delete, sender=Block, dispatch_uid="matching.block_deleted")
def block_changed(sender: type[Block], instance: Block, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    likes_received_changed_on_commit([instance.blocker_id, instance.blocked_id])


@receiver(post_delete, sender=Like, dispatch_uid="matching.like_deleted")
def like_deleted(sender: type[Like], instance: Like, **kwargs: Any) -> None:
    likes_received_changed_on_commit([instance.target_id])


@receiver(post_save, sender=Profile, dispatch_uid="matching.liker_visibility_changed")
def liker_visibility_changed(
    sender: type[Profile], instance: Profile, created: bool, **kwargs: Any
) -> None:
    update_fields = kwargs.get("update_fields")
    if created or kwargs.get("raw"):
        return
    if update_fields is not None and "is_discoverable" not in update_fields:
        return
    liker_id = instance.pk

    def drop_counts() -> None:
        # After commit, so the lookup costs the saving request nothing inside its transaction.
        targets = Like.objects.filter(actor_id=liker_id).values_list("target_id", flat=True)
        likes_received_changed(list(targets))

    transaction.on_commit(drop_counts)
