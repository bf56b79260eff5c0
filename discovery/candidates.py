"""Candidate retrieval for decks (DESIGN.md §4), ring by ring from the person outwards.

Each ring is one query on the partial covering index `profiles_discovery_candidates`: the
cells covering the ring's outer circle (`cell = ANY(...)`), a latitude/longitude box around
that circle (cheap comparisons on included columns, written first so that they drop most
index entries before any trigonometry), the visibility rules of discovery.visibility, then
the exact distance recheck between snapped points, both ways (within my radius and within
their own maximum), nearest first with a LIMIT. The query reads only columns of that index,
so PostgreSQL answers it with an index-only scan; ranking features (traits, activity,
exposure) are fetched afterwards for the few hundred ids kept.

Why rings: in a dense city a 25 km circle holds tens of thousands of index entries, and
computing the distance of every one of them to keep the nearest few hundred dominated the
query. Nearest-first stays exact: every candidate of an inner ring is nearer than any
outside it, so stopping once `limit` candidates are found gives the same list as one query
over the whole radius (`candidate_sql`, the reference the tests compare with). The query of
ring k returns only candidates beyond ring k-1 (`distance > inner`) and counts all it
matched (`count(*) OVER ()`), which gives the density: the next ring's radius is aimed at
what is still wanted, and the first ring of the person's next retrieval starts from it
(a per-process hint; results never depend on it).

The SQL is written here, with the visibility rules compiled once per viewer
(discovery.visibility.visibility_sql): building a Django query per ring cost more than
running it. Incognito profiles are not in the index; the few that may be shown to the
person (those who liked them) come from a second branch of the first ring's query
(`UNION ALL`), found by id over the whole radius, and are merged by distance.
"""

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple
from uuid import UUID

from django.db import connection

from discovery.cells import bounding_box, cells_covering
from discovery.visibility import VisibilitySql, visibility_sql
from profiles.geo import EARTH_RADIUS_KM
from profiles.models import Profile

# The radius widens through these steps (km), then to the person's own maximum.
RADIUS_STEPS_KM = (5, 10, 15, 20)
# The first ring's radius (km): at least about one snapping step each way (geo.SNAP_DEGREES),
# so that the grid points around the person's own are in (locations are snapped, so density
# below that scale says nothing); wider when the density last seen around them says so.
FIRST_RING_KM = 1.25
# Each further ring's radius is the previous one times a factor between these, aimed at
# RING_AIM times the candidates still wanted given the density seen so far.
MIN_RING_GROWTH = 1.5
MAX_RING_GROWTH = 4.0
RING_AIM = 1.3


class Candidate(NamedTuple):  # hundreds per deck build: cheaper to make than a dataclass
    user_id: UUID
    distance_km: float


@dataclass(frozen=True)
class CandidatePool:
    """The candidates found and the radius that found them."""

    radius_km: int
    candidates: list[Candidate]


_COLUMN = '"profiles_profile"."{}"'.format
# The haversine term h from the person to a row's snapped point: distance = 2R·asin(√h), so
# comparing h with a constant compares distances without asin or sqrt.
_HAVERSINE = (
    f"(power(sin(radians({_COLUMN('latitude')} - %s::float8) / 2), 2)"
    f" + %s::float8 * cos(radians({_COLUMN('latitude')}))"
    f" * power(sin(radians({_COLUMN('longitude')} - %s::float8) / 2), 2))"
)
_DISTANCE = f"(%s::float8 * asin(least(1.0, sqrt({_HAVERSINE}))))"


def _haversine_of(kilometres: float) -> float:
    return math.sin(kilometres / (2.0 * EARTH_RADIUS_KM)) ** 2


def _branch(
    profile: Profile,
    *,
    conditions: list[tuple[str, list[Any]]],
    inner_km: float,
    outer_km: float,
    incognito: bool,
) -> tuple[str, list[Any]]:
    """SELECT (id, distance_km, incognito, matched) of the rows meeting `conditions` at a
    distance in (inner_km, outer_km] that are also within their own maximum; `matched`
    counts them all (before any LIMIT) on the index branch, for the density. Conditions
    come first: PostgreSQL evaluates filters of equal estimated cost in the order written."""
    assert profile.latitude is not None
    assert profile.longitude is not None
    point = [profile.latitude, math.cos(math.radians(profile.latitude)), profile.longitude]
    box = bounding_box(profile.latitude, profile.longitude, outer_km)
    where = list(conditions)
    if box is not None:  # four float comparisons on included columns drop most rows cheaply
        where.insert(
            0,
            (
                f"{_COLUMN('latitude')} BETWEEN %s::float8 AND %s::float8"
                f" AND {_COLUMN('longitude')} BETWEEN %s::float8 AND %s::float8",
                [box.south, box.north, box.west, box.east],
            ),
        )
    where.append((f"{_HAVERSINE} <= %s::float8", [*point, _haversine_of(outer_km)]))
    if inner_km > 0:
        where.append((f"{_HAVERSINE} > %s::float8", [*point, _haversine_of(inner_km)]))
    # Most people's own maximum exceeds the ring: an integer comparison decides for them.
    where.append(
        (
            f"({_COLUMN('max_distance_km')} >= %s OR {_HAVERSINE}"
            f" <= power(sin({_COLUMN('max_distance_km')} / %s::float8), 2))",
            [math.ceil(outer_km), *point, 2.0 * EARTH_RADIUS_KM],
        )
    )
    matched = "NULL::bigint" if incognito else "count(*) OVER ()"
    # Fixed SQL and compiled ORM conditions; every value is a bound parameter.
    sql = (
        f"SELECT {_COLUMN('user_id')}, {_DISTANCE} AS distance_km, %s AS incognito,"  # noqa: S608
        f' {matched} AS matched FROM "profiles_profile" WHERE '
        + " AND ".join(f"({condition})" for condition, _params in where)
    )
    params: list[Any] = [2.0 * EARTH_RADIUS_KM, *point, incognito]
    for _condition, condition_params in where:
        params.extend(condition_params)
    return sql, params


def _statement(
    profile: Profile,
    conditions: VisibilitySql,
    *,
    inner_km: float,
    outer_km: float,
    limit: int,
    incognito_radius_km: float | None,
) -> tuple[str, list[Any]]:
    """One ring on the partial covering index, nearest first; with `incognito_radius_km`,
    also (UNION ALL) the incognito profiles that may be shown within that radius."""
    if profile.latitude is None or profile.longitude is None:
        raise ValueError("the profile has no location")
    cells = cells_covering(profile.latitude, profile.longitude, outer_km)
    shared_sql, shared_params = conditions.shared
    on_index, params = _branch(
        profile,
        conditions=[
            (f"{_COLUMN('cell')} = ANY(%s::integer[])", [cells]),
            (shared_sql, shared_params),
            (f"NOT {_COLUMN('is_incognito')}", []),
        ],
        inner_km=inner_km,
        outer_km=outer_km,
        incognito=False,
    )
    sql = f"({on_index} ORDER BY 2, 1 LIMIT %s)"
    params.append(limit)
    if incognito_radius_km is not None and conditions.audience is not None:
        by_id, by_id_params = _branch(
            profile,
            conditions=[
                (shared_sql, shared_params),
                (_COLUMN("is_incognito"), []),
                conditions.audience,
            ],
            inner_km=0,
            outer_km=incognito_radius_km,
            incognito=True,
        )
        sql = f"{sql} UNION ALL ({by_id})"
        params.extend(by_id_params)
    return sql, params


def candidate_sql(*, profile: Profile, radius_km: float, limit: int) -> tuple[str, list]:
    """One query for the whole radius at once (a single ring, incognito branch included):
    the reference that ring-by-ring retrieval must match, and what the benchmark compares
    it with."""
    return _statement(
        profile,
        visibility_sql(profile),
        inner_km=0,
        outer_km=radius_km,
        limit=limit,
        incognito_radius_km=radius_km,
    )


@dataclass(frozen=True)
class _RingResult:
    public: list[Candidate]
    incognito: list[Candidate]
    # Public candidates in the ring, all of them (the query returns at most its LIMIT).
    matched: int


def _run(sql: str, params: list) -> _RingResult:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    public: list[Candidate] = []
    incognito: list[Candidate] = []
    matched = 0
    for user_id, distance, is_incognito, ring_matched in rows:
        candidate = Candidate(user_id=user_id, distance_km=float(distance))
        if is_incognito:
            incognito.append(candidate)
        else:
            public.append(candidate)
            matched = ring_matched
    return _RingResult(public=public, incognito=incognito, matched=matched)


def _nearest_first(candidates: list[Candidate]) -> list[Candidate]:
    return sorted(candidates, key=lambda candidate: (candidate.distance_km, candidate.user_id))


# The candidate density (per km², after every filter) last seen around each person, per
# process: where the next retrieval for them should start. A hint only; results never
# depend on it.
_DENSITY_HINTS_SIZE = 4096
_DENSITY_HINT_SECONDS = 3600.0
_density_hints: OrderedDict[UUID, tuple[float, float]] = OrderedDict()
_density_lock = threading.Lock()


def _density_hint(user_id: UUID) -> float | None:
    with _density_lock:
        hint = _density_hints.get(user_id)
        if hint is None or hint[0] < time.monotonic():
            return None
        return hint[1]


def _remember_density(user_id: UUID, density: float) -> None:
    with _density_lock:
        _density_hints[user_id] = (time.monotonic() + _DENSITY_HINT_SECONDS, density)
        _density_hints.move_to_end(user_id)
        while len(_density_hints) > _DENSITY_HINTS_SIZE:
            _density_hints.popitem(last=False)


def _radius_for(wanted: int, density: float) -> float:
    """The radius (km) whose disc holds RING_AIM × wanted candidates at `density`."""
    return math.sqrt(RING_AIM * wanted / (math.pi * density))


def _first_outer_km(user_id: UUID, *, wanted: int, radius_km: float) -> float:
    density = _density_hint(user_id)
    if density is None:
        return min(FIRST_RING_KM, radius_km)
    if density == 0:
        return radius_km
    return min(radius_km, max(FIRST_RING_KM, _radius_for(wanted, density)))


def _next_outer_km(*, outer_km: float, matched: int, wanted: int, radius_km: float) -> float:
    if matched == 0:
        growth = MAX_RING_GROWTH
    else:
        # Candidates grow with the area: aim at RING_AIM × wanted at the density seen.
        density = matched / (math.pi * outer_km**2)
        growth = _radius_for(wanted, density) / outer_km
    growth = min(MAX_RING_GROWTH, max(MIN_RING_GROWTH, growth))
    return min(radius_km, outer_km * growth)


def _ring_by_ring(
    *,
    profile: Profile,
    radius_km: float,
    limit: int,
    satisfied: Callable[[list[Candidate], float], bool],
) -> tuple[list[Candidate], float]:
    """The candidates within some radius `outer` ≤ `radius_km`, nearest first: all of them
    (when fewer than `limit`), or the `limit` nearest. Rings widen until `limit` are found,
    `satisfied(found, outer)` says so, or `radius_km` is reached. Returns (found, outer)."""
    radius_km = float(radius_km)
    conditions = visibility_sql(profile)
    public: list[Candidate] = []
    incognito: list[Candidate] = []
    matched = 0  # public candidates within `outer_km`, beyond those returned included
    inner_km = 0.0
    outer_km = _first_outer_km(profile.pk, wanted=limit, radius_km=radius_km)
    first = True
    while True:
        ring = _run(
            *_statement(
                profile,
                conditions,
                inner_km=inner_km,
                outer_km=outer_km,
                limit=limit - len(public),
                incognito_radius_km=radius_km if first else None,
            )
        )
        public.extend(ring.public)  # nearest first: each ring lies beyond the previous one
        incognito.extend(ring.incognito)
        matched += ring.matched
        incognito_within = [
            candidate for candidate in incognito if candidate.distance_km <= outer_km
        ]
        found = _nearest_first(public + incognito_within) if incognito_within else public
        if (
            len(public) >= limit
            or len(found) >= limit
            or outer_km >= radius_km
            or satisfied(found, outer_km)
        ):
            _remember_density(profile.pk, matched / (math.pi * outer_km**2))
            return list(found[:limit]), outer_km
        inner_km, outer_km = (
            outer_km,
            _next_outer_km(outer_km=outer_km, matched=matched, wanted=limit, radius_km=radius_km),
        )
        first = False


def fetch_candidates(*, profile: Profile, radius_km: float, limit: int) -> list[Candidate]:
    """Up to `limit` profiles `profile` may see within `radius_km`, nearest first (ties by
    id), ring by ring. Every shared filter of discovery.visibility applies; the profile must
    have a location (ValueError otherwise)."""
    if profile.latitude is None or profile.longitude is None:
        raise ValueError("the profile has no location")
    found, _outer = _ring_by_ring(
        profile=profile, radius_km=radius_km, limit=limit, satisfied=lambda *_: False
    )
    return found


def radius_steps(max_distance_km: int) -> list[int]:
    """5, 10, 15, 20 km, then the person's maximum; never beyond that maximum."""
    steps = [step for step in RADIUS_STEPS_KM if step < max_distance_km]
    return [*steps, max_distance_km]


def _count_within(candidates: list[Candidate], radius_km: float) -> int:
    return sum(1 for candidate in candidates if candidate.distance_km <= radius_km)


def fetch_widening(*, profile: Profile, enough: int, limit: int) -> CandidatePool:
    """The radius widens step by step (radius_steps) until the step holds at least `enough`
    candidates (or the maximum is reached); the pool is that step's `limit` nearest.

    The same pool as one candidate query per step, from the rings alone: the rings' list is
    complete up to their outer radius (or holds the `limit` nearest), which decides every
    step inside it; retrieval stops at the first step that has enough."""
    if profile.latitude is None or profile.longitude is None:
        raise ValueError("the profile has no location")
    steps = radius_steps(profile.max_distance_km)
    enough = min(enough, limit)

    def satisfied(found: list[Candidate], outer_km: float) -> bool:
        return any(step <= outer_km and _count_within(found, step) >= enough for step in steps)

    found, _outer_km = _ring_by_ring(
        profile=profile, radius_km=profile.max_distance_km, limit=limit, satisfied=satisfied
    )
    # Steps inside the rings are counted exactly (or the list holds the `limit` nearest, and
    # then counts reach `enough` exactly when they would on the full list); a step beyond
    # them holds everything found.
    chosen = next((step for step in steps if _count_within(found, step) >= enough), steps[-1])
    pool = [candidate for candidate in found if candidate.distance_km <= chosen]
    return CandidatePool(radius_km=chosen, candidates=pool[:limit])
