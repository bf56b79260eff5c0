"""Who may appear to whom: the filters shared by the deck, search and picks.

Two-way preferences (DESIGN.md §4): their gender is one I want and mine one they want; their
age is in my range and mine in theirs; verified-only wishes on both sides. Excluded: me,
profiles that are not discoverable (incomplete, paused, account inactive, banned,
suspended), and every registered exclusion (passes within the cooldown, blocks, likes,
matches). Incognito profiles are shown only to their registered audience (matching: the
people they liked). Distance is left to the caller, which knows its radius.

The partial covering index `profiles_discovery_candidates` holds only profiles that are not
incognito, so the deck's candidate query (discovery.candidates) reads it with
`candidate_filters` and `NOT is_incognito`, and fetches the few incognito profiles of
`incognito_audience` by id.
"""

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from discovery.exclusions import (
    Exclusion,
    exclusions_for,
    incognito_audience_subqueries,
    registry_version,
)
from discovery.sql import where_sql
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


def _excluded(exclusion: Exclusion) -> Q:
    """The condition that leaves out an exclusion's ids (see discovery.exclusions)."""
    ids = exclusion.ids
    selected = ids.query.values_select
    if exclusion.per_candidate and len(selected) == 1:
        return ~Q(Exists(ids.filter(**{selected[0]: OuterRef("pk")})))
    return ~Q(pk__in=ids)


def candidate_filters(viewer: Profile, *, today: date | None = None) -> QuerySet[Profile]:
    """Every filter of `candidates_for` but the incognito rule. One `filter()` call: every
    chained call clones the query, subqueries included."""
    today = today or timezone.localdate()
    earliest, latest = birth_date_window(viewer.age_min, viewer.age_max, today=today)
    condition = Q(
        is_discoverable=True,
        gender__in=viewer.interested_in,
        birth_date__range=(earliest, latest),
        interested_in__contains=[viewer.gender],
    ) & ~Q(pk=viewer.pk)
    if viewer.birth_date is not None:
        viewer_age = age_on(viewer.birth_date, today)
        condition &= Q(age_min__lte=viewer_age, age_max__gte=viewer_age)
    if viewer.wants_verified_only:
        condition &= Q(is_verified=True)
    if not viewer.is_verified:
        condition &= Q(wants_verified_only=False)
    for exclusion in exclusions_for(viewer.pk):
        condition &= _excluded(exclusion)
    return Profile.objects.filter(condition)


def incognito_audience(viewer: Profile) -> Q | None:
    """The incognito profiles `viewer` may be shown: those some registered audience provider
    lists for `viewer` (matching: those who liked `viewer`). None when no provider is
    registered."""
    condition: Q | None = None
    for audience in incognito_audience_subqueries(viewer.pk):
        condition = Q(pk__in=audience) if condition is None else condition | Q(pk__in=audience)
    return condition


def candidates_for(viewer: Profile, *, today: date | None = None) -> QuerySet[Profile]:
    """Profiles `viewer` may be shown, before distance: the public ones, and the incognito
    ones whose audience includes `viewer` (they liked `viewer`)."""
    queryset = candidate_filters(viewer, today=today)
    audience = incognito_audience(viewer)
    if audience is None:
        return queryset.filter(is_incognito=False)
    return queryset.filter(Q(is_incognito=False) | audience)


@dataclass(frozen=True)
class VisibilitySql:
    """`candidate_filters` and `incognito_audience` of one viewer compiled to SQL, columns
    qualified with "profiles_profile" (see discovery.sql.where_sql)."""

    shared: tuple[str, list[Any]]
    # None: no audience provider is registered, no incognito profile is ever shown.
    audience: tuple[str, list[Any]] | None

    def visible(self) -> tuple[str, list[Any]]:
        """The condition of `candidates_for`."""
        shared_sql, shared_params = self.shared
        if self.audience is None:
            return f"{shared_sql} AND NOT {_INCOGNITO}", shared_params
        audience_sql, audience_params = self.audience
        return (
            f"{shared_sql} AND (NOT {_INCOGNITO} OR {audience_sql})",
            [*shared_params, *audience_params],
        )


_INCOGNITO = '"profiles_profile"."is_incognito"'
# Building and compiling the visibility queryset costs more than running it, and GET /deck
# rechecks every page against it: each process keeps the compiled SQL of recent viewers.
# The SQL holds subqueries, not their results, so blocks, passes and likes made since still
# count at once; only the pass cooldown's start is fixed at compile time (a pass that
# expired less than KINDRED_VISIBILITY_SQL_CACHE_SECONDS ago may hide its profile that
# much longer).
_VISIBILITY_CACHE_SIZE = 4096
_visibility_cache: OrderedDict[tuple[Any, ...], tuple[float, VisibilitySql]] = OrderedDict()
_visibility_lock = threading.Lock()


def visibility_sql(viewer: Profile, *, today: date | None = None) -> VisibilitySql:
    """The compiled visibility rules for `viewer` (cached per process for
    KINDRED_VISIBILITY_SQL_CACHE_SECONDS, keyed by everything of the viewer they use)."""
    today = today or timezone.localdate()
    key = (
        viewer.pk,
        viewer.gender,
        tuple(viewer.interested_in),
        viewer.age_min,
        viewer.age_max,
        viewer.birth_date,
        viewer.wants_verified_only,
        viewer.is_verified,
        today,
        registry_version(),
    )
    now = time.monotonic()
    with _visibility_lock:
        cached = _visibility_cache.get(key)
        if cached is not None and cached[0] > now:
            _visibility_cache.move_to_end(key)
            return cached[1]
    audience = incognito_audience(viewer)
    compiled = VisibilitySql(
        shared=where_sql(candidate_filters(viewer, today=today)),
        audience=where_sql(Profile.objects.filter(audience)) if audience is not None else None,
    )
    with _visibility_lock:
        _visibility_cache[key] = (now + settings.KINDRED_VISIBILITY_SQL_CACHE_SECONDS, compiled)
        _visibility_cache.move_to_end(key)
        while len(_visibility_cache) > _VISIBILITY_CACHE_SIZE:
            _visibility_cache.popitem(last=False)
    return compiled


def viewer_can_see(viewer: Profile, target_id: UUID) -> bool:
    """Whether one given profile passes every filter for `viewer` (distance aside)."""
    return candidates_for(viewer).filter(pk=target_id).exists()
