"""Today's picks: a few of the most compatible people nearby, fixed for the viewer's day.

Ranked by quiz-trait closeness (the same arithmetic as `profiles.compatibility`, done in SQL
so that only the chosen few leave the database) among the profiles the viewer may see, within
the viewer's distance wish and the candidate's (two-way). The chosen ids are stored in Redis
per user and local date, written once with SET NX, so two calls on the same day give the same
people even if better matches sign up in between. On every read, anyone who has become hidden,
blocked or passed since is dropped, never replaced: the day's set only shrinks.
"""

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import redis
from django.conf import settings
from django.db.models.expressions import RawSQL
from django.utils import timezone

from accounts.models import User
from core.exceptions import ServiceUnavailable
from core.redis import get_redis, redis_key
from discovery.search import within_distance
from discovery.visibility import candidates_for
from profiles.compatibility import CompatibilityResult, QuizIncomplete, compare_traits
from profiles.models import Profile
from profiles.traits import TRAITS

# Long enough to outlive any time zone's day; the date is part of the key anyway.
_CACHE_SECONDS = int(timedelta(hours=50).total_seconds())


@dataclass(frozen=True)
class Pick:
    profile: Profile
    compatibility: CompatibilityResult


@dataclass(frozen=True)
class Picks:
    day: date
    picks: list[Pick]


def local_date_for(user: User, *, now: datetime | None = None) -> date:
    """The user's calendar date in their own time zone (UTC when it is unknown)."""
    try:
        zone = ZoneInfo(user.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return (now or timezone.now()).astimezone(zone).date()


def picks_cache_key(user_id: UUID, day: date) -> str:
    return redis_key("discovery", "picks", user_id, day.isoformat())


def picks_for(*, viewer: User, day: date | None = None) -> Picks:
    """The viewer's picks for `day` (default: their local today), best first.

    Raises QuizIncomplete (409 `quiz_incomplete`) when the viewer has no traits, and
    ServiceUnavailable (503) when Redis cannot be reached. Computes and stores the day's ids
    on the first call of the day (idempotent: a concurrent first call keeps the stored set).
    """
    day = day or local_date_for(viewer)
    profile = Profile.objects.get(pk=viewer.pk)
    if profile.traits is None:
        raise QuizIncomplete("Finish the quiz to get daily picks.")
    ids = _day_ids(profile, day)
    if not ids:
        return Picks(day=day, picks=[])
    visible = {
        candidate.pk: candidate
        for candidate in candidates_for(profile, today=day)
        .filter(pk__in=ids, traits__isnull=False)
        .prefetch_related("interests")
    }
    picks = []
    for profile_id in ids:
        candidate = visible.get(profile_id)
        if candidate is not None:
            assert candidate.traits is not None
            picks.append(Pick(candidate, compare_traits(profile.traits, candidate.traits)))
    return Picks(day=day, picks=picks)


def _day_ids(profile: Profile, day: date) -> list[UUID]:
    key = picks_cache_key(profile.pk, day)
    client = get_redis()
    try:
        stored = client.get(key)
        if stored is None:
            ranked = json.dumps([str(profile_id) for profile_id in _rank(profile, day)])
            # NX: whoever stores first decides the day's set; the other reads it back.
            if not client.set(key, ranked, nx=True, ex=_CACHE_SECONDS):
                stored = client.get(key)
            else:
                stored = ranked
    except redis.RedisError as error:
        raise ServiceUnavailable("Picks are unavailable right now. Try again shortly.") from error
    return [UUID(value) for value in json.loads(stored or "[]")]


def _rank(profile: Profile, day: date) -> list[UUID]:
    if profile.latitude is None or profile.longitude is None or profile.traits is None:
        return []
    table = Profile._meta.db_table
    # Sum of absolute trait differences: the lower, the higher the compatibility score.
    difference_sql = " + ".join(
        f'abs("{table}"."traits"[{index}] - %s)' for index in range(1, len(TRAITS) + 1)
    )
    queryset = within_distance(
        candidates_for(profile, today=day).filter(traits__isnull=False),
        latitude=profile.latitude,
        longitude=profile.longitude,
        radius_km=profile.max_distance_km,
        within_their_wish=True,
    )
    # Fixed SQL over our own column; the viewer's traits are bound parameters.
    difference = RawSQL(f"({difference_sql})", [int(v) for v in profile.traits])  # noqa: S611
    ranked = (
        queryset.annotate(trait_difference=difference)
        .order_by("trait_difference", "pk")
        .values_list("pk", flat=True)[: settings.KINDRED_PICKS_PER_DAY]
    )
    return list(ranked)
