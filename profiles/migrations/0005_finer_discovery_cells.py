"""Discovery cells move from a 0.2° to a 0.05° grid (~5.6 km north–south): in a dense city
one 0.2° cell held tens of thousands of index entries of one gender and age window, and the
candidate query could read no fewer. Every located profile's cell is recomputed.

The profiles table also stops taking parallel scans: its queries are small indexed reads
(a ring of candidates reads a few thousand index entries), for which starting and gathering
workers cost more than they save (at 1M profiles the first ring took 21 ms with two workers
and 15 ms without)."""

from django.db import migrations

from functools import partial

# The grids of this migration (profiles.geo may change it again, with its own migration).
NEW_DEGREES = 0.05
OLD_DEGREES = 0.2
BATCH = 5000


def _cell(degrees: float, latitude: float, longitude: float) -> int:
    columns, rows = round(360 / degrees), round(180 / degrees)
    row = min(rows - 1, int((latitude + 90.0) // degrees))
    column = int(((longitude + 180.0) % 360.0) // degrees)
    return row * columns + column


def recompute_cells(apps, schema_editor, *, degrees: float):
    Profile = apps.get_model("profiles", "Profile")
    located = (
        Profile.objects.filter(latitude__isnull=False)
        .order_by("user_id")
        .values_list("user_id", "latitude", "longitude")
    )
    table = Profile._meta.db_table
    with schema_editor.connection.cursor() as cursor:
        batch: list[tuple] = []
        for row in located.iterator(chunk_size=BATCH):
            batch.append(row)
            if len(batch) == BATCH:
                _write(cursor, table, batch, degrees)
                batch = []
        if batch:
            _write(cursor, table, batch, degrees)


def _write(cursor, table: str, batch: list[tuple], degrees: float) -> None:
    cursor.execute(
        f'UPDATE "{table}" AS profile SET cell = new.cell'  # noqa: S608 (the model's table)
        " FROM unnest(%s::uuid[], %s::integer[]) AS new(user_id, cell)"
        " WHERE profile.user_id = new.user_id",
        [
            [user_id for user_id, _lat, _lng in batch],
            [_cell(degrees, latitude, longitude) for _id, latitude, longitude in batch],
        ],
    )


class Migration(migrations.Migration):
    dependencies = [("profiles", "0004_discoverability")]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE profiles_profile SET (parallel_workers = 0)",
            "ALTER TABLE profiles_profile RESET (parallel_workers)",
        ),
        migrations.RunPython(
            partial(recompute_cells, degrees=NEW_DEGREES),
            partial(recompute_cells, degrees=OLD_DEGREES),
        ),
    ]
