"""The fairness counters' writes from outside discovery: matching records each new like here
(`exposure_record_liked`); deck pages record views in deck_services."""

from uuid import UUID

from django.db import connection

_EXPOSURE_LIKED_SQL = (
    "INSERT INTO discovery_exposure (user_id, shown_count, liked_count, created_at, updated_at) "
    "VALUES (%s, 0, 1, now(), now()) "
    "ON CONFLICT (user_id) DO UPDATE SET "
    "liked_count = discovery_exposure.liked_count + 1, updated_at = now()"
)


def exposure_record_liked(*, user_id: UUID) -> None:
    """liked_count + 1 for the profile: one upsert, the counter moved in SQL as an F()
    expression would (no read-modify-write), the row created when missing. Runs in the
    caller's transaction (the like's), so a rolled-back like counts nothing."""
    with connection.cursor() as cursor:
        cursor.execute(_EXPOSURE_LIKED_SQL, [str(user_id)])
