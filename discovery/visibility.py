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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db.models import Exists, Field, OuterRef, Q, QuerySet
from django.utils import timezone

from discovery.exclusions import (
    Exclusion,
    exclusions_for,
    has_incognito_audience,
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


def _own_conditions(viewer: Profile, today: date) -> Q:
    """The rules on the profile's own columns: discoverable, two-way wishes, not me."""
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
    return condition


def own_conditions_sql(viewer: Profile, today: date) -> tuple[str, list[Any]]:
    """`_own_conditions` written as SQL (columns qualified with "profiles_profile"): every
    GET /deck page and deck build needs it for a viewer whose compiled rules a process may
    not hold, and compiling the Q through the ORM cost a millisecond. The test
    `test_own_conditions_sql_selects_what_the_orm_condition_selects` keeps the two equal."""
    earliest, latest = birth_date_window(viewer.age_min, viewer.age_max, today=today)
    table = Profile._meta.db_table

    def column(name: str) -> str:
        field = Profile._meta.get_field(name)
        assert isinstance(field, Field)  # a column of the table, not a reverse relation
        return f'"{table}"."{field.column}"'

    sql = [
        column("is_discoverable"),
        f"{column('gender')} = ANY(%s)",
        f"{column('birth_date')} BETWEEN %s AND %s",
        f"{column('interested_in')} @> ARRAY[%s]::varchar(16)[]",
        f"{column('user')} <> %s",
    ]
    params: list[Any] = [list(viewer.interested_in), earliest, latest, viewer.gender, viewer.pk]
    if viewer.birth_date is not None:
        viewer_age = age_on(viewer.birth_date, today)
        sql += [f"{column('age_min')} <= %s", f"{column('age_max')} >= %s"]
        params += [viewer_age, viewer_age]
    if viewer.wants_verified_only:
        sql.append(column("is_verified"))
    if not viewer.is_verified:
        sql.append(f"NOT {column('wants_verified_only')}")
    return f"({' AND '.join(sql)})", params


def _exclusion_conditions(viewer_id: UUID) -> Q:
    """Every registered exclusion (passes, blocks, likes, matches) of `viewer_id`."""
    condition = Q()
    for exclusion in exclusions_for(viewer_id):
        condition &= _excluded(exclusion)
    return condition


def candidate_filters(viewer: Profile, *, today: date | None = None) -> QuerySet[Profile]:
    """Every filter of `candidates_for` but the incognito rule. One `filter()` call: every
    chained call clones the query, subqueries included."""
    today = today or timezone.localdate()
    return Profile.objects.filter(_own_conditions(viewer, today) & _exclusion_conditions(viewer.pk))


def _audience_condition(viewer_id: UUID) -> Q | None:
    condition: Q | None = None
    for audience in incognito_audience_subqueries(viewer_id):
        condition = Q(pk__in=audience) if condition is None else condition | Q(pk__in=audience)
    return condition


def incognito_audience(viewer: Profile) -> Q | None:
    """The incognito profiles `viewer` may be shown: those some registered audience provider
    lists for `viewer` (matching: those who liked `viewer`). None when no provider is
    registered."""
    return _audience_condition(viewer.pk)


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
# The SQL holds subqueries, not their results, so blocks, passes and likes made since count
# at once (the pass cooldown's cutoff is computed by the database at each statement).
_VISIBILITY_CACHE_SIZE = 4096
_visibility_cache: OrderedDict[tuple[Any, ...], tuple[float, VisibilitySql]] = OrderedDict()
_visibility_lock = threading.Lock()


@dataclass(frozen=True)
class _Template:
    """A condition compiled once for stand-in ids: the SQL is the same for every viewer and
    the viewer's id only fills `slots` of the parameters."""

    sql: str
    params: list[Any]
    slots: tuple[int, ...]

    def for_viewer(self, viewer_id: UUID) -> tuple[str, list[Any]]:
        params = list(self.params)
        for slot in self.slots:
            params[slot] = viewer_id
        return self.sql, params


# Two stand-in ids: compiling for both shows which parameters are the viewer's id.
_STAND_INS = (UUID(int=1), UUID(int=2))
# Per (condition, provider registry version): the template, or None when the condition
# depends on the viewer in another way than a bound id (it is then compiled per viewer).
_templates: dict[tuple[str, int], tuple[float, _Template | None]] = {}


def _compile(condition: Q) -> tuple[str, list[Any]]:
    return where_sql(Profile.objects.filter(condition))


def _template_of(build: Callable[[UUID], Q]) -> _Template | None:
    (sql, params), (other_sql, other_params) = (_compile(build(id_)) for id_ in _STAND_INS)
    if sql != other_sql or len(params) != len(other_params):
        return None
    slots = []
    for index, (first, second) in enumerate(zip(params, other_params, strict=True)):
        if (first, second) == _STAND_INS:
            slots.append(index)
        elif first != second:  # something else about the viewer: no template
            return None
    return _Template(sql=sql, params=params, slots=tuple(slots))


def _compiled_for_id(name: str, build: Callable[[UUID], Q], viewer_id: UUID) -> tuple[str, list]:
    """`build(viewer_id)` compiled, from a per-process template: the providers' querysets
    (exclusions, audiences) depend on the viewer through their id alone, so compiling them
    once per process instead of once per viewer saves most of the compile time. Templates
    are rebuilt every KINDRED_VISIBILITY_SQL_CACHE_SECONDS, in case a provider fixes a time
    or a date."""
    key = (name, registry_version())
    now = time.monotonic()
    with _visibility_lock:
        cached = _templates.get(key)
    if cached is None or cached[0] <= now:
        template = _template_of(build)
        with _visibility_lock:
            _templates[key] = (now + settings.KINDRED_VISIBILITY_SQL_CACHE_SECONDS, template)
    else:
        template = cached[1]
    if template is None:
        return _compile(build(viewer_id))
    return template.for_viewer(viewer_id)


def _registered_audience(viewer_id: UUID) -> Q:
    condition = _audience_condition(viewer_id)
    assert condition is not None, "only called with an audience provider registered"
    return condition


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
    own_sql, own_params = own_conditions_sql(viewer, today)
    excluded_sql, excluded_params = _compiled_for_id("exclusions", _exclusion_conditions, viewer.pk)
    compiled = VisibilitySql(
        shared=(f"{own_sql} AND {excluded_sql}", [*own_params, *excluded_params]),
        audience=(
            _compiled_for_id("audience", _registered_audience, viewer.pk)
            if has_incognito_audience()
            else None
        ),
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
