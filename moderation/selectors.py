"""Reads of moderation. Blocks: the one place every app asks "may these two see each
other?"; sanctions: what a person sees of decisions about them."""

from uuid import UUID

from django.db.models import Q, QuerySet

from accounts.models import User
from moderation.models import Block, Sanction


def blocked_user_ids(user_id: UUID) -> QuerySet:
    """Ids of users `user_id` blocked (a `values()` queryset, usable as a subquery)."""
    return Block.objects.filter(blocker_id=user_id).values("blocked_id")


def blocking_user_ids(user_id: UUID) -> QuerySet:
    """Ids of users who blocked `user_id` (a `values()` queryset, usable as a subquery)."""
    return Block.objects.filter(blocked_id=user_id).values("blocker_id")


def hidden_user_ids(user_id: UUID) -> set[UUID]:
    """Everyone hidden from `user_id` by a block either way, as a set (one query)."""
    rows = Block.objects.filter(Q(blocker_id=user_id) | Q(blocked_id=user_id)).values_list(
        "blocker_id", "blocked_id"
    )
    return {other for pair in rows for other in pair if other != user_id}


def is_blocked_between(first_id: UUID, second_id: UUID) -> bool:
    """Whether either of the two blocked the other."""
    return Block.objects.filter(
        Q(blocker_id=first_id, blocked_id=second_id) | Q(blocker_id=second_id, blocked_id=first_id)
    ).exists()


def block_list_for_blocker(*, blocker: User) -> QuerySet[Block]:
    """The people I blocked, newest first, with their profiles (one query per page)."""
    return (
        Block.objects.filter(blocker=blocker)
        .select_related("blocked__profile")
        .order_by("-created_at")
    )


def sanction_list_for_user(*, user: User) -> QuerySet[Sanction]:
    """My sanctions, newest first, with their appeal (one query per page)."""
    return Sanction.objects.filter(user=user).select_related("appeal").order_by("-created_at")
