"""The cost of a like (issue 5: at most 4 queries per like, authentication included).

Counted on real transactions (`transaction=True`), where Django's query log also shows the
transaction's BEGIN and COMMIT: a like is 3 statements that do work (authentication, the
quota upsert that takes the locks, the read-and-insert that also moves the fairness counter)
inside one transaction, 5 entries in all.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from psycopg._queries import MAX_CACHED_STATEMENT_LENGTH

from discovery.models import Exposure
from matching.models import Like, Match
from matching.services import _facts_sql, _quota_sql
from matching.tests.conftest import client_for
from matching.tests.factories import person, set_quota

pytestmark = pytest.mark.django_db(transaction=True)

LIKES = "/api/v1/matching/likes"


@pytest.fixture
def actor(settings):
    settings.KINDRED_LIKE_BURST = "1000/60"
    someone = person()
    set_quota(someone, day_count=0, total_count=10)
    return someone


TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")


def work_statements(context: CaptureQueriesContext) -> list[str]:
    return [
        query["sql"]
        for query in context.captured_queries
        if not query["sql"].strip().upper().startswith(TRANSACTION_CONTROL)
    ]


def test_a_like_takes_at_most_four_queries_with_authentication(
    actor, django_assert_max_num_queries
):
    client = client_for(actor)
    client.get("/api/v1/matching/likes/received")  # refreshes last_seen_at once
    target = person()

    # authentication; the quota upsert (with the pair lock); the read-and-insert with the
    # exposure upsert; and BEGIN, COMMIT. Events and the notification go to Redis.
    with django_assert_max_num_queries(5), CaptureQueriesContext(connection) as context:
        response = client.post(LIKES, {"target_id": str(target.pk), "comment": "Hi"})

    assert response.status_code == 201
    assert len(work_statements(context)) == 3
    assert Exposure.objects.get(pk=target.pk).liked_count == 1
    assert Like.objects.filter(actor=actor).count() == 1


def test_a_repeated_like_takes_at_most_four_queries_too(actor):
    client = client_for(actor)
    target = person()
    client.post(LIKES, {"target_id": str(target.pk)})

    with CaptureQueriesContext(connection) as context:
        response = client.post(LIKES, {"target_id": str(target.pk)})

    assert response.status_code == 200
    # authentication, the quota upsert and the read (both rolled back), the like itself
    assert len(work_statements(context)) == 4


def test_a_mutual_like_adds_the_match_and_its_conversation(actor, django_assert_max_num_queries):
    client = client_for(actor)
    client.get("/api/v1/matching/likes/received")
    other = person()
    Like.objects.create(actor=other, target=actor)

    # The like's 6, the match insert, chat's conversation (get_or_create in a savepoint)
    # and members, then the card and summary of the answer: bounded, not per item.
    with django_assert_max_num_queries(20):
        response = client.post(LIKES, {"target_id": str(other.pk)})

    assert response.status_code == 201
    assert Match.objects.count() == 1


def test_the_like_s_statements_fit_psycopg_s_cache_of_parsed_statements():
    """psycopg keeps a statement's parsed placeholders only up to this length; a longer one
    is parsed again on every like."""
    for sql in (_quota_sql(), _facts_sql()):
        assert len(sql.encode()) <= MAX_CACHED_STATEMENT_LENGTH


def test_the_read_and_insert_is_planned_once_per_connection(actor):
    """Prepared after a few likes, the statement must then run its generic plan: left to
    itself PostgreSQL re-planned it on every like (a third of a like's database CPU)."""
    from matching.services import like_create

    for _ in range(8):
        like_create(actor=actor, target_id=person().pk)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements"
            " WHERE starts_with(statement, %s)",
            [_facts_sql()[:40]],  # (as prepared, with $n for the named parameters)
        )
        plans = cursor.fetchall()
        cursor.execute("SHOW plan_cache_mode")
        assert cursor.fetchone() == ("auto",)  # set for the like's transaction only
    assert len(plans) == 1, "the read-and-insert is prepared (DATABASE_PREPARE_THRESHOLD)"
    generic, custom = plans[0]
    assert (generic >= 3, custom) == (True, 0)
