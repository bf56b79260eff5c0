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
    assert geo.cell_of(48.8566, 2.3522) == geo.cell_of(48.86, 2.36)
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


def test_a_dense_city_is_split_into_cells_a_few_km_across():
    # Two points 4 km apart in Paris fall in different cells (the old 0.2° grid, ~22 km,
    # put a whole city in one cell, and a dense city's cell into every candidate query).
    assert geo.distance_km(48.8566, 2.3522, 48.8566, 2.4069) < 4.1
    assert geo.cell_of(48.8566, 2.3522) != geo.cell_of(48.8566, 2.4069)
    assert geo.CELL_DEGREES * 111.2 < 6  # north–south size of a cell in km


@pytest.mark.django_db
def test_the_grid_migration_recomputes_every_located_cell_and_can_go_back():
    from importlib import import_module

    from django.apps import apps
    from django.db import connection

    from profiles.models import Profile
    from profiles.tests.factories import LYON, PARIS, make_complete, set_location

    migration = import_module("profiles.migrations.0005_finer_discovery_cells")
    paris, lyon = make_complete(), make_complete()
    set_location(paris, PARIS)
    set_location(lyon, LYON)
    Profile.objects.filter(pk__in=[paris.pk, lyon.pk]).update(cell=1)  # as if stale

    with connection.schema_editor() as editor:
        migration.recompute_cells(apps, editor, degrees=migration.NEW_DEGREES)
    rows = {row.pk: row for row in Profile.objects.filter(pk__in=[paris.pk, lyon.pk])}
    assert {pk: row.cell for pk, row in rows.items()} == {
        pk: geo.cell_of(row.latitude, row.longitude) for pk, row in rows.items()
    }

    with connection.schema_editor() as editor:
        migration.recompute_cells(apps, editor, degrees=migration.OLD_DEGREES)
    old_paris = Profile.objects.get(pk=paris.pk)
    row, column = int((old_paris.latitude + 90) // 0.2), int((old_paris.longitude + 180) // 0.2)
    assert old_paris.cell == row * 1800 + column


@pytest.mark.django_db
def test_the_profiles_table_takes_no_parallel_scans():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'profiles_profile'")
        (options,) = cursor.fetchone()

    assert "parallel_workers=0" in options
