"""Mutual likes, the match list and detail, and what a new match announces."""

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from chat.services import message_send
from matching.models import Like, Match, MatchState
from matching.services import like_create
from matching.signals import match_created
from matching.tasks import LIKE_NOTIFICATIONS
from matching.tests.conftest import client_for, scheduled_tasks
from matching.tests.factories import make_match, person
from moderation.models import Block

pytestmark = pytest.mark.django_db

LIKES = "/api/v1/matching/likes"
MATCHES = "/api/v1/matching/matches"


def test_a_mutual_like_creates_one_match_and_returns_it(me, auth_client, make_person):
    other = make_person(display_name="Robin")
    Like.objects.create(actor=other, target=me, comment="Hi there")

    response = auth_client.post(LIKES, {"target_id": str(other.pk)})

    assert response.status_code == 201
    match = Match.objects.get()
    body = response.json()["match"]
    assert body["id"] == body["conversation_id"] == str(match.pk)
    assert body["state"] == "active"
    assert body["user"]["id"] == str(other.pk)
    assert body["user"]["display_name"] == "Robin"
    assert (body["last_message"], body["unread_count"]) == (None, 0)
    assert sorted([match.user_low_id, match.user_high_id]) == sorted([me.pk, other.pk])
    assert match.user_low_id < match.user_high_id


def test_a_new_match_is_announced_inside_the_transaction_then_to_both_after_commit(
    me, make_person, django_capture_on_commit_callbacks, inbox
):
    other = make_person()
    Like.objects.create(actor=other, target=me)
    seen_inside: list[tuple[uuid.UUID, bool]] = []

    def receiver(sender, match, **kwargs):
        seen_inside.append((match.pk, connection.in_atomic_block))

    match_created.connect(receiver, dispatch_uid="test.match_created")
    listening = inbox(me, other)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            result = like_create(actor=me, target_id=other.pk)
    finally:
        match_created.disconnect(dispatch_uid="test.match_created")

    assert result.match is not None
    assert seen_inside == [(result.match.pk, True)]
    assert listening.types(me) == listening.types(other) == []
    tasks = scheduled_tasks(callbacks)
    assert ("matching.notify_match_created", (str(result.match.pk),)) in tasks

    for callback in callbacks:
        callback()
    assert LIKE_NOTIFICATIONS.pending() == 0  # the like is announced as the match
    mine, theirs = listening.events(me), listening.events(other)
    assert [event["type"] for event in mine] == ["matching.match_created"]
    assert [event["type"] for event in theirs] == ["matching.match_created"]
    assert mine[0]["match"]["user_id"] == str(other.pk)
    assert theirs[0]["match"]["user_id"] == str(me.pk)
    assert mine[0]["match"]["id"] == mine[0]["match"]["conversation_id"] == str(result.match.pk)


def test_the_match_opens_its_conversation(me, make_person):
    from chat.models import Conversation

    other = make_person()
    Like.objects.create(actor=other, target=me)

    result = like_create(actor=me, target_id=other.pk)

    assert Conversation.objects.filter(pk=result.match.pk).exists()


# --- the list ----------------------------------------------------------------------------------


def test_my_matches_newest_activity_first_with_card_last_message_and_unread(
    me, auth_client, make_person
):
    older, newer, quiet = make_person(), make_person(), make_person()
    for other in (older, newer, quiet):
        Like.objects.create(actor=other, target=me)
        like_create(actor=me, target_id=other.pk)
    now = timezone.now()
    Match.objects.filter(
        user_low_id__in=[quiet.pk, me.pk], user_high_id__in=[quiet.pk, me.pk]
    ).update(last_activity_at=now - timedelta(days=2))
    match_newer = Match.objects.get(
        user_low_id__in=[newer.pk, me.pk], user_high_id__in=[newer.pk, me.pk]
    )
    match_older = Match.objects.get(
        user_low_id__in=[older.pk, me.pk], user_high_id__in=[older.pk, me.pk]
    )
    message_send(
        sender=older, conversation_id=match_older.pk, body="Hello you", client_message_id="m1"
    )
    message_send(
        sender=newer, conversation_id=match_newer.pk, body="Coffee?", client_message_id="m2"
    )

    response = auth_client.get(MATCHES)

    assert response.status_code == 200
    results = response.json()["results"]
    assert [item["user"]["id"] for item in results] == [str(newer.pk), str(older.pk), str(quiet.pk)]
    first = results[0]
    assert first["id"] == first["conversation_id"] == str(match_newer.pk)
    assert first["last_message"]["body"] == "Coffee?"
    assert first["unread_count"] == 1
    assert results[2]["last_message"] is None
    assert results[2]["unread_count"] == 0
    assert response.json()["next"] is None


def test_the_match_list_pages_with_a_cursor(me, auth_client, make_person):
    for _ in range(3):
        make_match(me, make_person())

    first = auth_client.get(MATCHES, {"limit": 2}).json()
    second = auth_client.get(first["next"]).json()

    ids = [item["id"] for item in first["results"] + second["results"]]
    assert len(first["results"]) == 2
    assert len(set(ids)) == 3
    assert second["next"] is None


def test_the_match_list_leaves_out_ended_matches_and_blocked_people(me, auth_client, make_person):
    kept = make_match(me, make_person())
    make_match(me, make_person(), state=MatchState.UNMATCHED)
    make_match(me, make_person(), state=MatchState.DELETED)
    blocked = make_person()
    make_match(me, blocked)
    Block.objects.create(blocker=blocked, blocked=me)
    dating = make_match(me, make_person(), state=MatchState.DATING)
    archived = make_match(me, make_person(), state=MatchState.ARCHIVED)
    make_match(make_person(), make_person())  # not mine

    ids = {item["id"] for item in auth_client.get(MATCHES).json()["results"]}

    assert ids == {str(kept.pk), str(dating.pk), str(archived.pk)}


@pytest.mark.parametrize("count", [1, 50])
def test_the_match_list_takes_the_same_queries_for_1_and_50(
    me, auth_client, make_person, count, django_assert_num_queries
):
    for _ in range(count):
        match = make_match(me, make_person())
        from chat.services import conversation_open_for_match

        conversation_open_for_match(match=match)
    auth_client.get(MATCHES)  # the first request may refresh last_seen_at

    # auth, matches, profiles, interests, photos, prompts, badges, my location, and chat's
    # two summary queries
    with django_assert_num_queries(10):
        response = auth_client.get(MATCHES, {"limit": 50})

    assert len(response.json()["results"]) == count


def test_one_match_in_detail_and_404_when_not_mine_or_ended(me, auth_client, make_person):
    other = make_person()
    match = make_match(me, other)
    theirs = make_match(make_person(), make_person())
    ended = make_match(me, make_person(), state=MatchState.UNMATCHED)

    mine = auth_client.get(f"{MATCHES}/{match.pk}")
    not_mine = auth_client.get(f"{MATCHES}/{theirs.pk}")
    gone = auth_client.get(f"{MATCHES}/{ended.pk}")
    unknown = auth_client.get(f"{MATCHES}/{uuid.uuid4()}")

    assert mine.status_code == 200
    assert mine.json()["user"]["id"] == str(other.pk)
    assert not_mine.status_code == gone.status_code == unknown.status_code == 404
    assert not_mine.json() == unknown.json()


def test_a_blocked_match_is_404_in_detail(me, auth_client, make_person):
    other = make_person()
    match = make_match(me, other)
    Block.objects.create(blocker=me, blocked=other)

    assert auth_client.get(f"{MATCHES}/{match.pk}").status_code == 404


def test_the_other_person_sees_the_same_match(me, make_person):
    other = make_person()
    match = make_match(me, other)

    body = client_for(other).get(f"{MATCHES}/{match.pk}").json()

    assert body["user"]["id"] == str(me.pk)


def test_a_card_never_carries_coordinates_or_birth_date(me, auth_client, make_person):
    make_match(me, person())

    card = auth_client.get(MATCHES).json()["results"][0]["user"]

    assert not {"latitude", "longitude", "birth_date", "email", "cell"} & set(card)
