"""Matching's part of discovery's exclusions: people I liked and people I matched with
(whatever the match's state: an unmatch is final for the pair) never show in my deck,
search or picks; incognito people show to those they liked."""

from uuid import UUID

from django.db.models import QuerySet

from discovery.exclusions import register_exclusion, register_incognito_audience
from matching.models import OPEN_MATCH_STATES, Like, Match


def liked_user_ids(user_id: UUID) -> QuerySet:
    return Like.objects.filter(actor_id=user_id).values("target_id")


def matched_low_user_ids(user_id: UUID) -> QuerySet:
    return Match.objects.filter(user_high_id=user_id).values("user_low_id")


def matched_high_user_ids(user_id: UUID) -> QuerySet:
    return Match.objects.filter(user_low_id=user_id).values("user_high_id")


def users_who_liked(user_id: UUID) -> QuerySet:
    return Like.objects.filter(target_id=user_id).values("actor_id")


register_exclusion("likes_sent", liked_user_ids)
register_exclusion("matches_as_high", matched_low_user_ids)
register_exclusion("matches_as_low", matched_high_user_ids)
register_incognito_audience("likers", users_who_liked)


# Profiles hidden from `GET /profiles/{id}` (profiles.hooks): the other person of an ended
# match (unmatched or deleted), whichever side of the pair I am.
def ended_match_low_user_ids(user_id: UUID) -> QuerySet:
    return (
        Match.objects.filter(user_high_id=user_id)
        .exclude(state__in=OPEN_MATCH_STATES)
        .values("user_low_id")
    )


def ended_match_high_user_ids(user_id: UUID) -> QuerySet:
    return (
        Match.objects.filter(user_low_id=user_id)
        .exclude(state__in=OPEN_MATCH_STATES)
        .values("user_high_id")
    )
