"""Reads of likes and matches.

Who sees what:
- My matches: the open ones (active, dating, archived), never with someone blocked either
  way (a block also ends the match, see receivers). Unmatched and deleted matches are gone
  for both people.
- Likes I received: from people whose profile is discoverable, not blocked either way, not
  matched with me (in any state: an ended match is final), and not hidden by my own pass
  while it is active (their like comes back when my pass's cooldown ends).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db.models import Case, Exists, F, Min, OuterRef, Q, QuerySet, When

from accounts.models import User
from core.exceptions import NotFound
from discovery.exclusions import pass_cooldown_start
from discovery.models import Pass
from matching.models import OPEN_MATCH_STATES, Like, Match
from matching.summaries import match_summaries
from moderation.selectors import blocked_user_ids, blocking_user_ids, is_blocked_between
from profiles.models import Profile
from profiles.public import public_profile_context


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


def _with_partner(queryset: QuerySet[Match], user_id: UUID) -> QuerySet[Match]:
    return queryset.annotate(
        partner_id=Case(When(user_low_id=user_id, then=F("user_high_id")), default="user_low_id")
    )


def match_list_for_user(*, user: User) -> QuerySet[Match]:
    """My open matches, newest activity first, each annotated with `partner_id`; nobody
    blocked either way. Paginate it, then load the page's cards and summaries."""
    me = user.pk
    queryset = Match.objects.filter(
        Q(user_low_id=me) | Q(user_high_id=me), state__in=OPEN_MATCH_STATES
    )
    for hidden in (blocked_user_ids(me), blocking_user_ids(me)):
        queryset = queryset.exclude(user_low_id__in=hidden).exclude(user_high_id__in=hidden)
    return _with_partner(queryset, me).order_by("-last_activity_at", "-id")


def match_get_open_for_viewer(*, user: User, match_id: UUID) -> Match:
    """One of my open matches (with `partner_id` set); NotFound when it is missing,
    not mine, ended, or the other person is blocked either way."""
    match = match_get_for_participant(user=user, match_id=match_id, open_only=True)
    if is_blocked_between(match.user_low_id, match.user_high_id):
        raise NotFound("No such match.")
    match.partner_id = match.other_user_id(user.pk)  # type: ignore[attr-defined]
    return match


def _likes_to(user_id: UUID) -> QuerySet[Like]:
    """Likes to `user_id` that may be shown at all (everything but my own passes)."""
    pair_matched = Match.objects.filter(
        Q(user_low_id=user_id, user_high_id=OuterRef("actor_id"))
        | Q(user_low_id=OuterRef("actor_id"), user_high_id=user_id)
    )
    return (
        Like.objects.filter(target_id=user_id, actor__profile__is_discoverable=True)
        .exclude(actor_id__in=blocked_user_ids(user_id))
        .exclude(actor_id__in=blocking_user_ids(user_id))
        .exclude(Exists(pair_matched))
    )


def _my_active_passes(user_id: UUID) -> QuerySet[Pass]:
    return Pass.objects.filter(actor_id=user_id, created_at__gt=pass_cooldown_start())


def like_list_received(*, user: User) -> QuerySet[Like]:
    """Likes I received that are shown to me (module doc), newest first, with the liked photo
    and prompt answer loaded. Paginate it, then load the likers' cards for the page."""
    hidden_by_my_pass = _my_active_passes(user.pk).filter(target_id=OuterRef("actor_id"))
    return (
        _likes_to(user.pk)
        .exclude(Exists(hidden_by_my_pass))
        .select_related("photo", "prompt__prompt")
        .order_by("-created_at", "-id")
    )


def like_count_received_uncached(*, user_id: UUID) -> tuple[int, datetime | None]:
    """How many likes `like_list_received` shows, and when that number next changes by
    itself (the earliest end of a pass of mine that hides a like), in two queries."""
    visible = _likes_to(user_id)
    hidden_by_my_pass = _my_active_passes(user_id).filter(target_id=OuterRef("actor_id"))
    count = visible.exclude(Exists(hidden_by_my_pass)).count()
    earliest = (
        _my_active_passes(user_id)
        .filter(target_id__in=visible.values("actor_id"))
        .aggregate(earliest=Min("created_at"))["earliest"]
    )
    if earliest is None:
        return count, None
    return count, earliest + timedelta(days=settings.KINDRED_PASS_COOLDOWN_DAYS)


# --- pages as the API shows them ----------------------------------------------------------


@dataclass(frozen=True)
class CardPage:
    """Serializer-ready items of a page and the context their public cards need."""

    items: list[dict[str, Any]]
    context: dict[str, Any]


def _profiles_by_id(ids: list[UUID]) -> dict[UUID, Profile]:
    return {
        profile.pk: profile
        for profile in Profile.objects.filter(pk__in=ids).prefetch_related("interests")
    }


def match_page_details(*, viewer: User, matches: list[Match]) -> CardPage:
    """The other person's card, last message and unread count for each match of a page
    (`partner_id` set, as by `match_list_for_user`), in a fixed number of queries: their
    profiles, interests, photos, prompts, badges, my location, and chat's summaries."""
    profiles = _profiles_by_id([match.partner_id for match in matches])  # type: ignore[attr-defined]
    context = public_profile_context(viewer=viewer, profiles=list(profiles.values()))
    summaries = match_summaries(viewer.pk, [match.pk for match in matches])
    items = []
    for match in matches:
        profile = profiles.get(match.partner_id)  # type: ignore[attr-defined]
        if profile is None:  # erased between the two queries
            continue
        summary = summaries.get(match.pk)
        items.append(
            {
                "id": match.pk,
                "user": profile,
                "state": match.state,
                "conversation_id": match.pk,
                "last_message": summary.last_message if summary else None,
                "unread_count": summary.unread_count if summary else 0,
                "created_at": match.created_at,
                "last_activity_at": match.last_activity_at,
                "state_changed_at": match.state_changed_at,
            }
        )
    return CardPage(items=items, context=context)


def like_page_details(*, viewer: User, likes: list[Like]) -> CardPage:
    """The liker's card for each like of a page, in a fixed number of queries."""
    profiles = _profiles_by_id([like.actor_id for like in likes])
    context = public_profile_context(viewer=viewer, profiles=list(profiles.values()))
    items = [
        {
            "id": like.pk,
            "user": profiles[like.actor_id],
            "comment": like.comment,
            "like": like,
            "created_at": like.created_at,
        }
        for like in likes
        if like.actor_id in profiles
    ]
    return CardPage(items=items, context=context)
