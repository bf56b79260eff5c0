"""Reads of likes and matches."""

from uuid import UUID

from django.db.models import Q

from accounts.models import User
from core.exceptions import NotFound
from matching.models import OPEN_MATCH_STATES, Match


def match_get_for_participant(*, user: User, match_id: UUID, open_only: bool = False) -> Match:
    """The match if `user` is one of its two people (and, with `open_only`, it is still
    open); NotFound for a missing match and for someone else's alike."""
    queryset = Match.objects.filter(Q(user_low_id=user.pk) | Q(user_high_id=user.pk), pk=match_id)
    if open_only:
        queryset = queryset.filter(state__in=OPEN_MATCH_STATES)
    match = queryset.first()
    if match is None:
        raise NotFound("No such match.")
    return match


def match_get_open_between(first_id: UUID, second_id: UUID) -> Match | None:
    """The open match of the pair, if any."""
    low, high = sorted((first_id, second_id))
    return Match.objects.filter(
        user_low_id=low, user_high_id=high, state__in=OPEN_MATCH_STATES
    ).first()
