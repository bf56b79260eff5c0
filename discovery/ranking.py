"""Deck ranking (DESIGN.md §4): a weighted mix of compatibility, distance, recent activity,
completeness and fairness, each scored 0–1, and the reasons that explain an entry.

Pure functions over `RankingFeatures`, so the rules are tested without a database. Distance
enters only as its public bucket, so the order of a deck says no more about where someone
is than the bucket shown on the card (DESIGN.md §5).
"""

import math
import operator
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from operator import itemgetter
from typing import NamedTuple
from uuid import UUID

from profiles.compatibility import shared_trait_reasons

COMPONENTS = ("compatibility", "distance", "activity", "completeness", "fairness")
# Used when weights are not configured (settings.KINDRED_DECK_WEIGHTS).
DEFAULT_WEIGHTS: dict[str, float] = {
    "compatibility": 0.35,
    "distance": 0.25,
    "activity": 0.15,
    "completeness": 0.10,
    "fairness": 0.15,
}
# Neutral compatibility when either side has not done the quiz.
UNKNOWN_COMPATIBILITY = 0.5
# A compatibility this high (0–100) earns the shared-trait reason.
REASON_COMPATIBILITY_MIN = 70
# Activity fades to nothing over two weeks without being seen.
ACTIVITY_HORIZON = timedelta(days=14)
_ACTIVITY_SECONDS = ACTIVITY_HORIZON.total_seconds()
ACTIVE_RECENTLY = timedelta(days=1)
_ACTIVE_RECENTLY_SECONDS = ACTIVE_RECENTLY.total_seconds()
# New profiles are lifted for their first days, fading linearly.
NEW_PROFILE_PERIOD = timedelta(days=7)
_NEW_PROFILE_SECONDS = NEW_PROFILE_PERIOD.total_seconds()
# Fairness prior: before many showings, everyone counts as liked once per ten showings.
PRIOR_SHOWN = 10
PRIOR_LIKED = 1
EXPECTED_LIKE_RATE = PRIOR_LIKED / PRIOR_SHOWN
# Full marks for photos at this many.
PHOTOS_FOR_COMPLETENESS = 3
MAX_REASONS = 3


class RankingFeatures(NamedTuple):
    """What ranking knows of one candidate (never shown to anyone as such). A named tuple:
    a deck build makes hundreds of them, and a frozen dataclass costs several times more to
    create."""

    user_id: UUID
    distance_km: float
    traits: Sequence[int] | None
    # Times as POSIX timestamps (seconds): a build ranks hundreds of candidates, and making
    # and subtracting datetimes for each cost more than scoring them.
    last_seen_at: float | None
    created_at: float
    completeness: float
    shown_count: int
    liked_count: int


class RankedCandidate(NamedTuple):
    """`reasons` leaves distance out: the deck adds it when serving (see with_distance), from
    the locations and the `show_distance` switch as they are then."""

    user_id: UUID
    score: float
    components: dict[str, float]
    reasons: tuple[str, ...]


def bucket_kilometres(kilometres: float) -> int:
    """The number behind the public distance bucket ("< 2 km" counts as 2)."""
    if kilometres < 2:
        return 2
    if kilometres <= 10:
        return math.ceil(kilometres)
    return 5 * math.ceil(kilometres / 5)


def with_distance(reasons: Sequence[str], distance_label: str | None) -> list[str]:
    """The reasons as served: the distance bucket first ("12 km away") when it is shown."""
    return [f"{distance_label} away", *reasons] if distance_label else list(reasons)


def completeness_score(
    *,
    has_bio: bool,
    has_traits: bool,
    has_intent: bool,
    has_height: bool,
    has_languages: bool,
    prompt_count: int,
    photo_count: int,
) -> float:
    """Share (0–1) of the optional profile parts filled in; photos count up to three."""
    parts = [
        float(has_bio),
        float(has_traits),
        float(has_intent),
        float(has_height),
        float(has_languages),
        float(prompt_count > 0),
        min(photo_count, PHOTOS_FOR_COMPLETENESS) / PHOTOS_FOR_COMPLETENESS,
    ]
    return sum(parts) / len(parts)


def fairness_score(*, shown_count: int, liked_count: int, age: timedelta) -> float:
    """0–1: half from exposure, half from newness.

    Exposure: the smoothed like rate over the expected one, capped at 1, so popular profiles
    get no extra lift but profiles shown far more than they are liked sink. Newness: 1 on
    the first day, fading to 0 at NEW_PROFILE_PERIOD.
    """
    return _fairness(shown_count, liked_count, age.total_seconds())


def _fairness(shown_count: int, liked_count: int, age_seconds: float) -> float:
    like_rate = (liked_count + PRIOR_LIKED) / (shown_count + PRIOR_SHOWN)
    exposure = min(1.0, like_rate / EXPECTED_LIKE_RATE)
    newness = max(0.0, 1.0 - max(age_seconds, 0.0) / _NEW_PROFILE_SECONDS)
    return 0.5 * exposure + 0.5 * newness


def _activity(last_seen_at: float | None, now: float) -> float:
    if last_seen_at is None:
        return 0.0
    return max(0.0, 1.0 - max(now - last_seen_at, 0.0) / _ACTIVITY_SECONDS)


def _short_reason(line: str) -> str:
    # compatibility's lines read "You both score high on adventure: say yes to ..."; the deck
    # shows the part before the colon.
    return line.split(":", 1)[0].rstrip(".")


def compatibility_score(first: Sequence[int], second: Sequence[int]) -> int:
    """`profiles.compatibility.compare_traits(first, second).score` without building its
    explanation: the ranking of a pool needs only the number (explanations are made for the
    entries kept)."""
    count = len(first)
    if len(second) != count:
        raise ValueError("trait vectors differ in length")
    difference = sum(map(abs, map(operator.sub, first, second)))
    return (100 * count - difference + count // 2) // count


def _components(
    viewer_traits: Sequence[int] | None, candidate: RankingFeatures, now: float
) -> tuple[float, float, float, float, float]:
    """The five components, 0–1 each, in COMPONENTS order."""
    if viewer_traits is not None and candidate.traits is not None:
        compatibility = compatibility_score(viewer_traits, candidate.traits) / 100
    else:
        compatibility = UNKNOWN_COMPATIBILITY
    return (
        compatibility,
        1.0 / (1.0 + bucket_kilometres(candidate.distance_km) / 10.0),
        _activity(candidate.last_seen_at, now),
        candidate.completeness,
        _fairness(candidate.shown_count, candidate.liked_count, now - candidate.created_at),
    )


def explain(
    *,
    viewer_traits: Sequence[int] | None,
    candidate: RankingFeatures,
    now: datetime,
    compatibility: float | None = None,
) -> tuple[str, ...]:
    """Why an entry was chosen (distance aside): a shared trait when the pair is compatible
    enough, then "New here" or "Active today". `compatibility` (0–1), when the caller has
    it, spares computing it again."""
    reasons: list[str] = []
    if viewer_traits is not None and candidate.traits is not None:
        score = (
            compatibility_score(viewer_traits, candidate.traits)
            if compatibility is None
            else round(compatibility * 100)
        )
        if score >= REASON_COMPATIBILITY_MIN:
            closest = shared_trait_reasons(viewer_traits, candidate.traits, limit=1)
            if closest:
                reasons.append(_short_reason(closest[0]))
    timestamp = now.timestamp()
    if timestamp - candidate.created_at < _NEW_PROFILE_SECONDS:
        reasons.append("New here")
    elif (
        candidate.last_seen_at is not None
        and timestamp - candidate.last_seen_at < _ACTIVE_RECENTLY_SECONDS
    ):
        reasons.append("Active today")
    return tuple(reasons[: MAX_REASONS - 1])


def rank(
    *,
    viewer_traits: Sequence[int] | None,
    candidates: Sequence[RankingFeatures],
    weights: Mapping[str, float],
    now: datetime,
    keep: int | None = None,
) -> list[RankedCandidate]:
    """Score and order candidates, best first; ties go to the smaller user id so the same
    input always gives the same deck. Weights missing from `weights` count as 0. Only the
    best `keep` (all when None) are returned, and only they are explained (`reasons`)."""
    w_compatibility, w_distance, w_activity, w_completeness, w_fairness = (
        100.0 * weights.get(name, 0.0) for name in COMPONENTS
    )
    scored = []
    timestamp = now.timestamp()
    for candidate in candidates:
        components = _components(viewer_traits, candidate, timestamp)
        compatibility, distance, activity, completeness, fairness = components
        score = round(
            w_compatibility * compatibility
            + w_distance * distance
            + w_activity * activity
            + w_completeness * completeness
            + w_fairness * fairness,
            4,
        )
        scored.append((-score, candidate.user_id, components, candidate))
    # UUIDs order as their canonical strings do (fixed-width lowercase hex). A full sort beats
    # a heap when the deck keeps a good part of the pool.
    scored.sort(key=itemgetter(0, 1))
    best = scored if keep is None else scored[:keep]
    return [
        RankedCandidate(
            user_id=user_id,
            score=-negative_score,
            components=dict(zip(COMPONENTS, components, strict=True)),
            reasons=explain(
                viewer_traits=viewer_traits,
                candidate=candidate,
                now=now,
                compatibility=components[0],
            ),
        )
        for negative_score, user_id, components, candidate in best
    ]
