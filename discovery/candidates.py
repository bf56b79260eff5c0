"""Candidate retrieval for decks (DESIGN.md §4): the cells covering the radius on the partial
covering index `profiles_discovery_candidates`, then an exact distance recheck between
snapped points, both ways (within my radius and within their own maximum distance).

The query reads only columns of that index, so PostgreSQL can answer it with an index-only
scan; ranking features (traits, activity, exposure) are fetched afterwards for the few
hundred ids that made it.
"""

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import F, FloatField, IntegerField, Lookup, Q, QuerySet, Value
from django.db.models.functions import ASin, Cos, Least, Power, Radians, Sin, Sqrt

from discovery.cells import cells_covering
from discovery.visibility import candidates_for
from profiles.geo import EARTH_RADIUS_KM
from profiles.models import Profile

# The radius widens through these steps (km), then to the person's own maximum.
RADIUS_STEPS_KM = (5, 10, 15, 20)


@dataclass(frozen=True)
class Candidate:
    user_id: UUID
    distance_km: float


@dataclass(frozen=True)
class CandidatePool:
    """The candidates found and the radius that found them."""

    radius_km: int
    candidates: list[Candidate]


class _EqualsAny(Lookup):
    """`lhs = ANY(rhs)`: one integer[] parameter (Django casts the array value) instead of an
    IN list of hundreds of placeholders."""

    lookup_name = "equals_any"

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", (*lhs_params, *rhs_params)


def _distance_km(latitude: float, longitude: float) -> Any:
    """Haversine distance (km) from a point to each row's snapped location, as SQL."""
    half_latitude = Radians(F("latitude") - Value(latitude)) / Value(2.0)
    half_longitude = Radians(F("longitude") - Value(longitude)) / Value(2.0)
    haversine = Power(Sin(half_latitude), 2) + Cos(Radians(Value(latitude))) * Cos(
        Radians(F("latitude"))
    ) * Power(Sin(half_longitude), 2)
    return Value(2.0 * EARTH_RADIUS_KM) * ASin(
        Least(Value(1.0), Sqrt(haversine), output_field=FloatField())
    )


def _candidate_queryset(*, profile: Profile, radius_km: float, limit: int) -> QuerySet:
    if profile.latitude is None or profile.longitude is None:
        raise ValueError("the profile has no location")
    cells = cells_covering(profile.latitude, profile.longitude, radius_km)
    return (
        candidates_for(profile)
        .filter(_EqualsAny(F("cell"), Value(cells, output_field=ArrayField(IntegerField()))))
        .annotate(distance_km=_distance_km(profile.latitude, profile.longitude))
        .filter(Q(distance_km__lte=radius_km) & Q(distance_km__lte=F("max_distance_km")))
        .order_by("distance_km", "pk")
        .values_list("pk", "distance_km")[:limit]
    )


def candidate_sql(*, profile: Profile, radius_km: float, limit: int) -> tuple[str, list]:
    """The exact SQL (with `%s` placeholders) and parameters that fetch_candidates runs."""
    sql, params = _candidate_queryset(
        profile=profile, radius_km=radius_km, limit=limit
    ).query.sql_with_params()
    return sql, list(params)


def fetch_candidates(*, profile: Profile, radius_km: float, limit: int) -> list[Candidate]:
    """Up to `limit` profiles `profile` may see within `radius_km`, nearest first (ties by
    id), in one query. Every shared filter of discovery.visibility applies; the profile
    must have a location (ValueError otherwise)."""
    sql, params = candidate_sql(profile=profile, radius_km=radius_km, limit=limit)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [Candidate(user_id=user_id, distance_km=float(distance)) for user_id, distance in rows]


def radius_steps(max_distance_km: int) -> list[int]:
    """5, 10, 15, 20 km, then the person's maximum; never beyond that maximum."""
    steps = [step for step in RADIUS_STEPS_KM if step < max_distance_km]
    return [*steps, max_distance_km]


def fetch_widening(*, profile: Profile, enough: int, limit: int) -> CandidatePool:
    """Widen the radius step by step until at least `enough` candidates are found (or the
    maximum is reached); one candidate query per step. Returns the last radius used."""
    candidates: list[Candidate] = []
    radius_km = profile.max_distance_km
    for radius_km in radius_steps(profile.max_distance_km):
        candidates = fetch_candidates(profile=profile, radius_km=radius_km, limit=limit)
        if len(candidates) >= enough:
            break
    return CandidatePool(radius_km=radius_km, candidates=candidates)
