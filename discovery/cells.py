"""Which discovery cells (profiles.geo's 0.2° grid) a search circle touches.

Candidate retrieval reads `cell = ANY(cells_covering(...))` on the partial covering index and
then rechecks the exact distance, so the cover may hold a few cells too many but must never
miss one that holds a point inside the circle.
"""

import math

from profiles.geo import CELL_COLUMNS, CELL_DEGREES, CELL_ROWS, EARTH_RADIUS_KM, cell_of

# Widen the box by a hair so that floating-point rounding at a cell edge never drops a cell.
_MARGIN_DEGREES = 1e-7


def cells_covering(latitude: float, longitude: float, radius_km: float) -> list[int]:
    """Every cell that intersects the circle of `radius_km` around the point, sorted.

    Uses the exact bounding box of a spherical cap: latitude ± r/R, longitude ±
    asin(sin(r/R) / cos(latitude)). A circle that reaches a pole, or whose longitude span is
    the whole globe, takes every column of its rows. Columns wrap across the antimeridian.
    """
    if radius_km < 0:
        raise ValueError("radius_km must not be negative")
    angular = radius_km / EARTH_RADIUS_KM
    delta_latitude = math.degrees(angular) + _MARGIN_DEGREES
    south = latitude - delta_latitude
    north = latitude + delta_latitude
    first_row = _row(max(-90.0, south))
    last_row = _row(min(90.0, north))
    rows = range(first_row, last_row + 1)

    columns: list[int]
    reaches_pole = north >= 90.0 or south <= -90.0
    spread = math.sin(angular) / math.cos(math.radians(latitude)) if not reaches_pole else 2.0
    if spread >= 1.0:
        columns = list(range(CELL_COLUMNS))
    else:
        delta_longitude = math.degrees(math.asin(spread)) + _MARGIN_DEGREES
        first = math.floor((longitude - delta_longitude + 180.0) / CELL_DEGREES)
        last = math.floor((longitude + delta_longitude + 180.0) / CELL_DEGREES)
        count = min(CELL_COLUMNS, last - first + 1)
        columns = [(first + offset) % CELL_COLUMNS for offset in range(count)]
    return sorted({row * CELL_COLUMNS + column for row in rows for column in columns})


def _row(latitude: float) -> int:
    # The same row numbering as geo.cell_of (longitude 0 gives column CELL_COLUMNS // 2).
    return cell_of(latitude, 0.0) // CELL_COLUMNS if latitude < 90.0 else CELL_ROWS - 1
