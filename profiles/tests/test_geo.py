import pytest

from profiles import geo


def test_snapping_is_stable_and_about_a_kilometre():
    snapped = geo.snap(48.85661, 2.35222)

    assert snapped == geo.snap(48.85659, 2.35218)
    assert geo.distance_km(48.85661, 2.35222, *snapped) < 1.0


def test_snapping_handles_the_antimeridian_and_poles():
    assert geo.snap(10.0, 179.999) == (10.0, -180.0)
    assert geo.snap(90.0, 0.0)[0] == 90.0


def test_cells_are_distinct_for_far_points_and_shared_for_near_ones():
    assert geo.cell_of(48.8566, 2.3522) == geo.cell_of(48.85, 2.36)
    assert geo.cell_of(48.8566, 2.3522) != geo.cell_of(45.764, 4.8357)
    assert 0 <= geo.cell_of(-90.0, -180.0) < geo.CELL_ROWS * geo.CELL_COLUMNS
    assert 0 <= geo.cell_of(90.0, 180.0) < geo.CELL_ROWS * geo.CELL_COLUMNS


def test_distance_between_paris_and_lyon():
    assert geo.distance_km(48.8566, 2.3522, 45.764, 4.8357) == pytest.approx(392, abs=3)


@pytest.mark.parametrize(
    ("kilometres", "bucket"),
    [(0, "< 2 km"), (1.99, "< 2 km"), (2.0, "2 km"), (2.1, "3 km"), (10, "10 km"),
     (10.1, "15 km"), (23, "25 km"), (400, "400 km")],
)  # fmt: skip
def test_distance_buckets(kilometres, bucket):
    assert geo.distance_bucket(kilometres) == bucket
