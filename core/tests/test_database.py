"""Database connection settings that the hot paths rely on."""

import uuid

import pytest
from django.db import connection

from accounts.models import User

pytestmark = pytest.mark.django_db


def _prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_a_statement_a_connection_runs_often_is_prepared_and_planned_once():
    # Parameters bound on the server (DATABASE_SERVER_SIDE_BINDING): psycopg prepares a
    # statement after a few runs, so PostgreSQL stops planning it on every call.
    for _ in range(6):
        assert not User.objects.filter(pk=uuid.uuid4()).exists()

    prepared = _prepared_statements()

    assert any('FROM "accounts_user"' in statement for statement in prepared), prepared
    assert connection.settings_dict["OPTIONS"].get("server_side_binding") is True
