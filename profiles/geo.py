"""Location privacy (DESIGN.md §5) and the discovery grid (§4).

Exact coordinates are never stored: a location is snapped to a ~1 km grid on write, and
distances are computed between snapped points and shown as buckets.
"""

import math

EARTH_RADIUS_KM = 6371.0088
# 0.01° of latitude is ~1.1 km; longitude uses the same step (finer away from the equator).
SNAP_DEGREES = 0.01
# Discovery cells: a 0.05° grid (~5.6 km north–south), numbered row-major from (-90, -180).
# Fine enough that a dense city's cell holds a few thousand index entries of one gender and
# age window, coarse enough that a 500 km radius stays a bounded list of cells. Changing it
# takes a migration that recomputes every profile's cell (see 0005_finer_discovery_cells).
CELL_DEGREES = 0.05
CELL_COLUMNS = round(360 / CELL_DEGREES)
CELL_ROWS = round(180 / CELL_DEGREES)
# Faster than this between two updates is not a journey anyone made (an airliner ~900 km/h).
MAX_TRAVEL_KMH = 1000.0


def snap(latitude: float, longitude: float) -> tuple[float, float]:
    """The centre-aligned grid point for a location; the same input always snaps the same."""
    snapped_latitude = round(round(latitude / SNAP_DEGREES) * SNAP_DEGREES, 4)
    snapped_longitude = round(round(longitude / SNAP_DEGREES) * SNAP_DEGREES, 4)
    if snapped_longitude >= 180.0:
        snapped_longitude -= 360.0
    return max(-90.0, min(90.0, snapped_latitude)), snapped_longitude


def cell_of(latitude: float, longitude: float) -> int:
    row = min(CELL_ROWS - 1, int((latitude + 90.0) // CELL_DEGREES))
    column = int(((longitude + 180.0) % 360.0) // CELL_DEGREES)
    return row * CELL_COLUMNS + column


def distance_km(
    latitude_a: float, longitude_a: float, latitude_b: float, longitude_b: float
) -> float:
    """Great-circle distance (haversine)."""
    phi_a, phi_b = math.radians(latitude_a), math.radians(latitude_b)
    delta_phi = phi_b - phi_a
    delta_lambda = math.radians(longitude_b - longitude_a)
    h = (
        math.sin(delta_phi / 2) ** 2
        + math.cos(phi_a) * math.cos(phi_b) * math.sin(delta_lambda / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def distance_bucket(kilometres: float) -> str:
    """What people see: "< 2 km", whole km up to 10, then 5-km steps, rounded up.

    Never finer than the snapping grid, so repeated looks reveal nothing more.
    """
    if kilometres < 2:
        return "< 2 km"
    if kilometres <= 10:
        return f"{math.ceil(kilometres)} km"
    return f"{5 * math.ceil(kilometres / 5)} km"
