"""The benchmarks' own PostgreSQL databases: created when missing, and vacuumed before a
measurement.

Vacuuming matters on the machines these run on: their PostgreSQL has autovacuum off (a CI
setting), and a benchmark updates the same few rows thousands of times (a chat's match and
conversation get a new row version per message). Without a vacuum the dead versions pile up
run after run and every later lookup wades through them: the chat send's statement went
from 1.0 to 1.9 ms over one afternoon's runs. A production server's autovacuum keeps up.
"""

import psycopg
from psycopg import sql


def ensure_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        if not connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone():
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def vacuum_analyze(url: str, tables: list[str]) -> None:
    """VACUUM (ANALYZE) the tables a measurement writes to, as autovacuum would have, then
    CHECKPOINT: what setup wrote (seeding, the vacuum itself) is flushed to disk before the
    measurement, not by the background writer during it."""
    with psycopg.connect(url, autocommit=True) as connection:
        for table in tables:
            connection.execute(sql.SQL("VACUUM (ANALYZE) {}").format(sql.Identifier(table)))
        connection.execute("CHECKPOINT")
