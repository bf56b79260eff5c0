import math
import random

import pytest

from discovery.cells import bounding_box, cells_covering
from profiles.geo import CELL_COLUMNS, EARTH_RADIUS_KM, cell_of
from profiles.tests.factories import PARIS


def _destination(latitude: float, longitude: float, bearing: float, kilometres: float):
    """The point `kilometres` away on `bearing` (degrees), on the sphere."""
    phi, lam, theta = map(math.radians, (latitude, longitude, bearing))
    delta = kilometres / EARTH_RADIUS_KM
    phi2 = math.asin(
        math.sin(phi) * math.cos(delta) + math.cos(phi) * math.sin(delta) * math.cos(theta)
    )
    lam2 = lam + math.atan2(
        math.sin(theta) * math.sin(delta) * math.cos(phi),
        math.cos(delta) - math.sin(phi) * math.sin(phi2),
    )
    longitude2 = (math.degrees(lam2) + 180.0) % 360.0 - 180.0
    return math.degrees(phi2), longitude2


def _assert_covers_circle(latitude: float, longitude: float, radius_km: float) -> list[int]:
    cells = set(cells_covering(latitude, longitude, radius_km))
    generator = random.Random(f"{latitude},{longitude},{radius_km}")
    for _ in range(2000):
        bearing = generator.uniform(0, 360)
        kilometres = radius_km * math.sqrt(generator.random()) * 0.999999
        point = _destination(latitude, longitude, bearing, kilometres)
        assert cell_of(*point) in cells, (point, kilometres)
    for step in range(360):  # the rim itself
        point = _destination(latitude, longitude, step, radius_km * 0.999999)
        assert cell_of(*point) in cells, point
    return sorted(cells)


def test_five_km_in_paris_takes_the_twelve_cells_the_circle_touches():
    # ±0.045° of latitude (rows 2776–2778 of 0.05°) and ±0.068° of longitude (4 columns).
    cells = cells_covering(*PARIS, 5)

    assert cells == [row * CELL_COLUMNS + column for row in (2776, 2777, 2778)
                     for column in (3645, 3646, 3647, 3648)]  # fmt: skip


@pytest.mark.parametrize("radius_km", [1, 5, 20, 50, 150, 500])
def test_every_point_within_the_radius_lies_in_a_covering_cell_in_paris(radius_km):
    cells = _assert_covers_circle(*PARIS, radius_km)

    assert cell_of(*PARIS) in cells


def test_the_cover_stays_close_to_the_circle():
    # 20 km around Paris spans ±0.18° of latitude and ±0.27° of longitude: 8 rows × 12 columns.
    cells = cells_covering(*PARIS, 20)

    assert len(cells) == 96
    assert {cell // CELL_COLUMNS for cell in cells} == set(range(2773, 2781))


def test_the_cover_wraps_across_the_antimeridian():
    cells = _assert_covers_circle(-17.7, 179.95, 20)  # Fiji
    columns = {cell % CELL_COLUMNS for cell in cells}

    assert 0 in columns
    assert CELL_COLUMNS - 1 in columns
    assert max(columns) - min(columns) == CELL_COLUMNS - 1  # the two ends, not the whole globe
    assert len(columns) <= 9  # ±0.19° of longitude


def test_a_circle_around_the_north_pole_takes_every_column_of_the_polar_rows():
    cells = _assert_covers_circle(89.95, 10.0, 30)

    assert {cell % CELL_COLUMNS for cell in cells} == set(range(CELL_COLUMNS))
    assert cell_of(89.99, -170.0) in cells


def test_near_the_south_pole_columns_widen_with_latitude():
    cells = _assert_covers_circle(-88.0, -60.0, 50)

    assert 1 < len({cell % CELL_COLUMNS for cell in cells}) < CELL_COLUMNS


def test_a_zero_radius_is_the_point_own_cell():
    assert cells_covering(*PARIS, 0) == [cell_of(*PARIS)]


def test_a_negative_radius_is_refused():
    with pytest.raises(ValueError, match="negative"):
        cells_covering(*PARIS, -1)


@pytest.mark.parametrize(
    ("point", "radius_km"),
    [(PARIS, 1.25), (PARIS, 25), ((-33.87, 151.21), 10), ((64.1, -21.9), 80), ((0.0, 0.0), 5)],
)
def test_the_bounding_box_holds_every_point_of_the_circle(point, radius_km):
    box = bounding_box(*point, radius_km)
    assert box is not None
    generator = random.Random(f"{point}{radius_km}")
    for _ in range(2000):
        inside = _destination(
            *point, generator.uniform(0, 360), radius_km * math.sqrt(generator.random())
        )
        assert box.south <= inside[0] <= box.north
        assert box.west <= inside[1] <= box.east
    for step in range(360):
        rim = _destination(*point, step, radius_km * 0.999999)
        assert box.south <= rim[0] <= box.north
        assert box.west <= rim[1] <= box.east
    # …and is not much larger than the circle (a degree of latitude is ~111 km).
    assert (box.north - box.south) * 111.19 < 2 * radius_km * 1.01


def test_no_box_across_the_antimeridian_or_around_a_pole():
    assert bounding_box(-17.7, 179.95, 20) is None
    assert bounding_box(89.95, 10.0, 30) is None
    assert bounding_box(-17.7, 179.0, 20) is not None
