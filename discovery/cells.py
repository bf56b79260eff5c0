"""Which discovery cells (profiles.geo's 0.05° grid) a search circle touches.

Candidate retrieval reads `cell = ANY(cells_covering(...))` on the partial covering index and
then rechecks the exact distance, so the cover may hold a few cells too many but must never
miss one that holds a point inside the circle.
"""

import math
from dataclasses import dataclass

from profiles.geo import CELL_COLUMNS, CELL_DEGREES, CELL_ROWS, EARTH_RADIUS_KM, cell_of

# Widen the box by a hair so that floating-point rounding at a cell edge never drops a cell.
_MARGIN_DEGREES = 1e-7


@dataclass(frozen=True)
class BoundingBox:
    """Latitude and longitude bounds (degrees) that hold every point of a circle.
    `west` > `east` never happens: a circle across the antimeridian has no box (None)."""

    south: float
    north: float
    west: float
    east: float


@dataclass(frozen=True)
class _Span:
    first_row: int
    last_row: int
    # None: every column (the circle reaches a pole or spans the globe).
    first_column: int | None
    last_column: int | None
    south: float
    north: float
    delta_longitude: float | None


def _span(latitude: float, longitude: float, radius_km: float) -> _Span:
    """The exact bounding box of a spherical cap: latitude ± r/R, longitude ±
    asin(sin(r/R) / cos(latitude)), in grid rows and columns."""
    if radius_km < 0:
        raise ValueError("radius_km must not be negative")
    angular = radius_km / EARTH_RADIUS_KM
    delta_latitude = math.degrees(angular) + _MARGIN_DEGREES
    south = latitude - delta_latitude
    north = latitude + delta_latitude
    first_row = _row(max(-90.0, south))
    last_row = _row(min(90.0, north))
    reaches_pole = north >= 90.0 or south <= -90.0
    spread = math.sin(angular) / math.cos(math.radians(latitude)) if not reaches_pole else 2.0
    if spread >= 1.0:
        return _Span(first_row, last_row, None, None, south, north, None)
    delta_longitude = math.degrees(math.asin(spread)) + _MARGIN_DEGREES
    first = math.floor((longitude - delta_longitude + 180.0) / CELL_DEGREES)
    last = math.floor((longitude + delta_longitude + 180.0) / CELL_DEGREES)
    if last - first + 1 >= CELL_COLUMNS:
        return _Span(first_row, last_row, None, None, south, north, delta_longitude)
    return _Span(first_row, last_row, first, last, south, north, delta_longitude)


def cells_covering(latitude: float, longitude: float, radius_km: float) -> list[int]:
    """Every cell that intersects the circle of `radius_km` around the point, sorted.

    A circle that reaches a pole, or whose longitude span is the whole globe, takes every
    column of its rows. Columns wrap across the antimeridian.
    """
    span = _span(latitude, longitude, radius_km)
    rows = range(span.first_row, span.last_row + 1)
    columns: list[int]
    if span.first_column is None or span.last_column is None:
        columns = list(range(CELL_COLUMNS))
    else:
        columns = [
            column % CELL_COLUMNS for column in range(span.first_column, span.last_column + 1)
        ]
    return sorted({row * CELL_COLUMNS + column for row in rows for column in columns})


def bounding_box(latitude: float, longitude: float, radius_km: float) -> BoundingBox | None:
    """Bounds that hold every point within `radius_km` (a cheap pre-filter before the exact
    distance), or None when no simple box does: the circle reaches a pole, spans every
    longitude or crosses the antimeridian."""
    span = _span(latitude, longitude, radius_km)
    if span.delta_longitude is None or span.south <= -90.0 or span.north >= 90.0:
        return None
    west, east = longitude - span.delta_longitude, longitude + span.delta_longitude
    if west < -180.0 or east >= 180.0:
        return None
    return BoundingBox(south=span.south, north=span.north, west=west, east=east)


def _row(latitude: float) -> int:
    # The same row numbering as geo.cell_of (longitude 0 gives column CELL_COLUMNS // 2).
    return cell_of(latitude, 0.0) // CELL_COLUMNS if latitude < 90.0 else CELL_ROWS - 1
