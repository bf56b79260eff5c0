"""The fairness counters' writes from outside discovery: matching folds the liked-count upsert
of each new like into its own statement (`exposure_record_liked_sql`); deck pages record
views in deck_services."""

import functools

from discovery.models import Exposure


@functools.cache
def exposure_record_liked_sql(users_sql: str) -> str:
    """The upsert that adds one like to the liked_count of each user id the SELECT (or
    VALUES) `users_sql` yields: the counter moved in SQL as an F() expression would (no
    read-modify-write), the row created when missing. Run in the like's transaction (as a
    CTE of matching's read-and-insert), so a rolled-back like counts nothing."""
    table = Exposure._meta.db_table
    return (
        f"INSERT INTO {table} AS exposure"  # noqa: S608 (the model's table; caller's SQL)
        " (user_id, shown_count, liked_count, created_at, updated_at)"
        f" SELECT liked.user_id, 0, 1, now(), now() FROM ({users_sql}) AS liked (user_id)"
        " ON CONFLICT (user_id) DO UPDATE SET"
        " liked_count = exposure.liked_count + 1, updated_at = now()"
    )
