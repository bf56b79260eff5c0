"""Compatibility of two people from their quiz traits.

The score is the inverse of the mean trait difference (0–100, symmetric, 100 for identical
traits); each trait gets a label by its difference, and the traits people share give a few
"why you might click" lines. Pairs are cached in `Compatibility` (one row per unordered
pair, `low` < `high` by user id) and kept fresh by the `profiles.recompute_compatibility`
task whenever someone's traits change.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.exceptions import Conflict, ValidationFailed
from profiles.models import Compatibility, Profile
from profiles.traits import TRAITS

ALIGNED = "aligned"
SIMILAR = "similar"
DIFFERENT = "different"
OPPOSITE = "opposite"

# Upper bounds (inclusive) of the difference for each label; above the last: opposite.
LABEL_LIMITS: tuple[tuple[int, str], ...] = ((10, ALIGNED), (25, SIMILAR), (50, DIFFERENT))
MAX_REASONS = 3

# What sharing a trait means, by where the pair stands together on it.
_REASONS: dict[str, dict[str, str]] = {
    "adventure": {
        "high": "You both score high on adventure: say yes to the spontaneous plan.",
        "middle": "You balance adventure and comfort the same way.",
        "low": "You both love a cosy, familiar evening.",
    },
    "social_energy": {
        "high": "You both recharge around people: parties and group trips suit you.",
        "middle": "You both enjoy company and quiet time in similar doses.",
        "low": "You both value quiet one-on-one time.",
    },
    "planning": {
        "high": "You both like a plan: no last-minute chaos for either of you.",
        "middle": "You plan about as much as each other, with room to improvise.",
        "low": "You both go with the flow.",
    },
    "emotional_openness": {
        "high": "You both share your feelings openly.",
        "middle": "You open up at a similar pace.",
        "low": "You both take your time before opening up.",
    },
    "independence": {
        "high": "You both value your own space and time.",
        "middle": "You balance together-time and me-time alike.",
        "low": "You both love doing things together.",
    },
    "communication": {
        "high": "You both score high on communication: talking things through comes easily.",
        "middle": "You keep in touch at a similar rhythm.",
        "low": "You both prefer actions to long conversations.",
    },
}


class QuizIncomplete(Conflict):
    """One side has not finished the quiz, so there is nothing to compare (409)."""

    default_code = "quiz_incomplete"
    default_message = "Compatibility needs both people to have finished the quiz."


@dataclass(frozen=True)
class TraitComparison:
    trait: str
    difference: int
    label: str


@dataclass(frozen=True)
class CompatibilityResult:
    score: int
    traits: tuple[TraitComparison, ...]
    reasons: tuple[str, ...]

    def as_details(self) -> dict[str, Any]:
        """The JSON stored in `Compatibility.details` and served by the API."""
        return {
            "traits": {
                item.trait: {"label": item.label, "difference": item.difference}
                for item in self.traits
            },
            "reasons": list(self.reasons),
        }


def trait_difference_label(difference: int) -> str:
    for limit, label in LABEL_LIMITS:
        if difference <= limit:
            return label
    return OPPOSITE


def compare_traits(first: Sequence[int], second: Sequence[int]) -> CompatibilityResult:
    """Compare two trait vectors (TRAITS order, scores 0–100). Pure and symmetric.

    score = round(100 - mean(|a_i - b_i|)), rounding halves up, so that (a, b) and (b, a)
    give the same result and identical vectors give 100.
    """
    if len(first) != len(TRAITS) or len(second) != len(TRAITS):
        raise ValueError(f"trait vectors need {len(TRAITS)} scores")
    differences = _differences(first, second)
    # Integer arithmetic for the half-up rounding of 100 - sum / count.
    count = len(TRAITS)
    score = (100 * count - sum(differences) + count // 2) // count
    comparisons = tuple(
        TraitComparison(trait, difference, trait_difference_label(difference))
        for trait, difference in zip(TRAITS, differences, strict=True)
    )
    return CompatibilityResult(
        score=score,
        traits=comparisons,
        reasons=shared_trait_reasons(first, second, limit=MAX_REASONS),
    )


# The largest difference that still counts a trait as shared (aligned or similar).
_SHARED_MAX_DIFFERENCE = max(limit for limit, label in LABEL_LIMITS if label in (ALIGNED, SIMILAR))


def _differences(first: Sequence[int], second: Sequence[int]) -> list[int]:
    return [abs(int(a) - int(b)) for a, b in zip(first, second, strict=True)]


def shared_trait_reasons(
    first: Sequence[int], second: Sequence[int], *, limit: int
) -> tuple[str, ...]:
    """The "why you might click" lines of the (at most `limit`) traits the pair shares most
    closely; TRAITS order breaks ties so the lines are stable. The deck asks for one line per
    entry, without the rest of a comparison."""
    shared = sorted(
        (difference, index)
        for index, difference in enumerate(_differences(first, second))
        if difference <= _SHARED_MAX_DIFFERENCE
    )
    lines = []
    for _difference, index in shared[:limit]:
        middle = (first[index] + second[index]) / 2
        level = "high" if middle >= 60 else "low" if middle <= 40 else "middle"
        lines.append(_REASONS[TRAITS[index]][level])
    return tuple(lines)


# --- the cached pair --------------------------------------------------------------------------


def _ordered(profile_a: Profile, profile_b: Profile) -> tuple[Profile, Profile]:
    return (profile_a, profile_b) if profile_a.pk < profile_b.pk else (profile_b, profile_a)


def _upsert(*, low: Profile, high: Profile, result: CompatibilityResult) -> Compatibility:
    """INSERT … ON CONFLICT (low, high) DO UPDATE: two writers of the same pair both
    succeed and leave one row, whoever comes second.

    The row is read back because on a conflict Django keeps the client-side UUID it made
    for the insert, not the id of the row that was updated.
    """
    row = Compatibility(low=low, high=high, score=result.score, details=result.as_details())
    Compatibility.objects.bulk_create(
        [row],
        update_conflicts=True,
        unique_fields=["low", "high"],
        update_fields=["score", "details", "updated_at"],
    )
    return Compatibility.objects.get(low=low, high=high)


def compatibility_for(*, profile_a: Profile, profile_b: Profile) -> Compatibility:
    """The compatibility of two profiles, from the cache when it is current.

    The score is recomputed from the profiles' traits as passed in (pure arithmetic), and
    the cached row is written only when it is missing or stale, with a race-safe upsert.
    Raises QuizIncomplete (409 `quiz_incomplete`) when either side has no traits and
    ValidationFailed (400 `same_profile`) for a profile compared with itself.
    """
    if profile_a.pk == profile_b.pk:
        raise ValidationFailed("A profile is not compared with itself.", code="same_profile")
    if profile_a.traits is None or profile_b.traits is None:
        raise QuizIncomplete()
    # Symmetric, so the order the caller gave does not matter.
    result = compare_traits(profile_a.traits, profile_b.traits)
    low, high = _ordered(profile_a, profile_b)
    details = result.as_details()
    cached = Compatibility.objects.filter(low=low, high=high).first()
    if cached is not None and cached.score == result.score and cached.details == details:
        return cached
    return _upsert(low=low, high=high, result=result)


def compatibility_recompute_for_profile(*, profile_id: UUID) -> int:
    """Bring every cached pair that involves the profile up to date with current traits.

    Pairs whose either side no longer has traits are dropped (they cannot be scored).
    Idempotent; returns how many rows were rewritten or dropped.
    """
    changed = 0
    with transaction.atomic():
        rows = list(
            Compatibility.objects.filter(Q(low_id=profile_id) | Q(high_id=profile_id))
            .select_related("low", "high")
            .select_for_update(of=("self",))
            .order_by("pk")
        )
        stale: list[Compatibility] = []
        gone: list[UUID] = []
        for row in rows:
            if row.low.traits is None or row.high.traits is None:
                gone.append(row.pk)
                continue
            result = compare_traits(row.low.traits, row.high.traits)
            details = result.as_details()
            if row.score != result.score or row.details != details:
                row.score, row.details = result.score, details
                stale.append(row)
        if gone:
            Compatibility.objects.filter(pk__in=gone).delete()
        if stale:
            now = timezone.now()
            for row in stale:
                row.updated_at = now
            Compatibility.objects.bulk_update(stale, ["score", "details", "updated_at"])
        changed = len(stale) + len(gone)
    return changed
