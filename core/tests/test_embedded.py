"""The embedded PostgreSQL that `make run` starts when DATABASE_URL is unset."""

import psycopg

from core.embedded import embedded_database_config, stop_embedded_server


def test_embedded_postgres_starts_creates_the_database_and_stops(tmp_path):
    data_dir = tmp_path / "pgdata"

    config = embedded_database_config(data_dir, database="kindred_probe")
    try:
        with psycopg.connect(
            dbname=config["NAME"], user=config["USER"], host=config["HOST"]
        ) as connection:
            version = connection.execute("SHOW server_version_num").fetchone()[0]
            extensions = {
                row[0]
                for row in connection.execute(
                    "SELECT name FROM pg_available_extensions WHERE name = ANY(%s)",
                    [["cube", "earthdistance", "btree_gist", "pg_trgm"]],
                )
            }
        # A second call joins the running server and finds the database in place.
        assert embedded_database_config(data_dir, database="kindred_probe") == config
    finally:
        stop_embedded_server(data_dir)

    assert int(version) >= 150000
    assert extensions == {"cube", "earthdistance", "btree_gist", "pg_trgm"}
    assert not (data_dir / "postmaster.pid").exists()
    assert (data_dir / "PG_VERSION").exists()  # the data stays for the next run
