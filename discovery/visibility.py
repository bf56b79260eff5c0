"""Who may appear to whom: the filters shared by the deck, search and picks.

Two-way preferences (DESIGN.md §4): their gender is one I want and mine one they want; their
age is in my range and mine in theirs; verified-only wishes on both sides. Excluded: me,
profiles that are not discoverable (incomplete, paused, account inactive, banned,
suspended), incognito profiles, and every registered exclusion (passes within the cooldown,
blocks, likes, matches). Distance is left to the caller, which knows its radius.
"""

from datetime import date, timedelta
from uuid import UUID

from django.db.models import QuerySet
from django.utils import timezone

from discovery.exclusions import exclusion_subqueries
from profiles.models import Profile
from profiles.onboarding import age_on


def birth_date_window(age_min: int, age_max: int, *, today: date) -> tuple[date, date]:
    """Birth dates of people aged `age_min`..`age_max` today (inclusive)."""
    latest = _years_before(today, age_min)
    earliest = _years_before(today, age_max + 1) + timedelta(days=1)
    return earliest, latest


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year - years, day=28)


def candidates_for(viewer: Profile, *, today: date | None = None) -> QuerySet[Profile]:
    """Profiles `viewer` may be shown, before distance. Uses the partial covering index
    `profiles_discovery_candidates` (the caller adds `cell__in=...`)."""
    today = today or timezone.localdate()
    earliest, latest = birth_date_window(viewer.age_min, viewer.age_max, today=today)
    queryset = Profile.objects.filter(
        is_discoverable=True,
        is_incognito=False,
        gender__in=viewer.interested_in,
        birth_date__range=(earliest, latest),
        interested_in__contains=[viewer.gender],
    ).exclude(pk=viewer.pk)
    if viewer.birth_date is not None:
        viewer_age = age_on(viewer.birth_date, today)
        queryset = queryset.filter(age_min__lte=viewer_age, age_max__gte=viewer_age)
    if viewer.wants_verified_only:
        queryset = queryset.filter(is_verified=True)
    if not viewer.is_verified:
        queryset = queryset.filter(wants_verified_only=False)
    for excluded in exclusion_subqueries(viewer.pk):
        queryset = queryset.exclude(pk__in=excluded)
    return queryset


def viewer_can_see(viewer: Profile, target_id: UUID) -> bool:
    """Whether one given profile passes every filter for `viewer` (distance aside)."""
    return candidates_for(viewer).filter(pk=target_id).exists()
