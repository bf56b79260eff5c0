"""Match states and their transitions: PATCH, unmatch, blocks, account deletion, the archive
beat job and activity from chat."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from chat.models import Conversation
from chat.services import conversation_open_for_match
from config.celery import app
from discovery.visibility import candidates_for
from matching.models import Match, MatchState
from matching.services import (
    match_record_activity,
    match_set_state,
    matches_archive_inactive,
    matches_end_for_deleted_user,
)
from matching.signals import match_ended
from matching.tasks import archive_inactive_matches_task
from matching.tests.conftest import client_for
from matching.tests.factories import make_match
from moderation.models import Block
from moderation.signals import block_created
from profiles.models import Profile

pytestmark = pytest.mark.django_db

MATCHES = "/api/v1/matching/matches"


@pytest.fixture
def ended_log():
    log = []

    def receiver(sender, match, **kwargs):
        log.append((match.pk, match.state, connection.in_atomic_block))

    match_ended.connect(receiver, dispatch_uid="test.match_ended")
    yield log
    match_ended.disconnect(dispatch_uid="test.match_ended")


def state_of(match: Match) -> str:
    return Match.objects.get(pk=match.pk).state


@pytest.mark.parametrize(
    ("start", "target"),
    [
        ("active", "dating"),
        ("active", "archived"),
        ("dating", "archived"),
        ("dating", "active"),
        ("archived", "active"),
        ("archived", "dating"),
    ],
)
def test_patch_moves_an_open_match_between_its_open_states(
    me, auth_client, make_person, start, target, django_capture_on_commit_callbacks, inbox
):
    other = make_person()
    match = make_match(me, other, state=start)
    listening = inbox(me, other)

    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client.patch(f"{MATCHES}/{match.pk}", {"state": target})

    assert response.status_code == 200
    assert response.json()["state"] == target
    assert state_of(match) == target
    updated = {"type": "matching.match_updated", "match": {
        "id": str(match.pk), "conversation_id": str(match.pk), "state": target}}  # fmt: skip
    assert listening.events(me) == listening.events(other) == [updated]


def test_patching_the_current_state_changes_nothing(me, auth_client, make_person):
    match = make_match(me, make_person(), state=MatchState.DATING)
    before = Match.objects.get(pk=match.pk).state_changed_at

    response = auth_client.patch(f"{MATCHES}/{match.pk}", {"state": "dating"})

    assert response.status_code == 200
    assert Match.objects.get(pk=match.pk).state_changed_at == before


@pytest.mark.parametrize("start", [MatchState.UNMATCHED, MatchState.DELETED])
@pytest.mark.parametrize("target", ["active", "dating", "archived"])
def test_an_ended_match_never_moves_again(me, auth_client, make_person, start, target):
    match = make_match(me, make_person(), state=start)

    response = auth_client.patch(f"{MATCHES}/{match.pk}", {"state": target})

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "invalid_state_transition"
    assert body["extra"] == {"from": start, "to": target, "allowed": []}
    assert state_of(match) == start


def test_the_service_refuses_states_a_participant_may_not_set(me, make_person):
    from core.exceptions import Conflict

    match = make_match(me, make_person())

    for state in (MatchState.UNMATCHED, MatchState.DELETED):
        with pytest.raises(Conflict) as caught:
            match_set_state(user=me, match_id=match.pk, state=state)
        assert caught.value.code == "invalid_state_transition"
    assert state_of(match) == MatchState.ACTIVE


@pytest.mark.parametrize("body", [{"state": "unmatched"}, {"state": "deleted"}, {"state": "x"}, {}])
def test_patch_accepts_only_the_open_states(me, auth_client, make_person, body):
    match = make_match(me, make_person())

    response = auth_client.patch(f"{MATCHES}/{match.pk}", body)

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert state_of(match) == MatchState.ACTIVE


def test_patching_someone_elses_match_is_404(me, auth_client, make_person):
    theirs = make_match(make_person(), make_person())

    response = auth_client.patch(f"{MATCHES}/{theirs.pk}", {"state": "dating"})

    assert response.status_code == 404
    assert state_of(theirs) == MatchState.ACTIVE


# --- unmatch ---------------------------------------------------------------------------------


def test_unmatch_ends_the_match_for_good(
    me, auth_client, make_person, ended_log, django_capture_on_commit_callbacks, inbox
):
    other = make_person()
    match = make_match(me, other)
    conversation_open_for_match(match=match)
    listening = inbox(me, other)

    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client.post(f"{MATCHES}/{match.pk}/unmatch")

    assert response.status_code == 204
    row = Match.objects.get(pk=match.pk)
    assert (row.state, row.ended_by_id) == (MatchState.UNMATCHED, me.pk)
    assert ended_log == [(match.pk, MatchState.UNMATCHED, True)]
    assert Conversation.objects.get(pk=match.pk).is_closed
    ended = {"type": "matching.match_ended", "match": {
        "id": str(match.pk), "conversation_id": str(match.pk), "state": "unmatched"}}  # fmt: skip
    assert ended in listening.events(me)
    assert ended in listening.events(other)
    # Gone for both, everywhere.
    their_client = client_for(other)
    assert auth_client.get(f"{MATCHES}/{match.pk}").status_code == 404
    assert their_client.get(f"{MATCHES}/{match.pk}").status_code == 404
    assert auth_client.get(MATCHES).json()["results"] == []
    assert their_client.get(MATCHES).json()["results"] == []
    assert auth_client.get(f"/api/v1/profiles/{other.pk}").status_code == 404
    assert their_client.get(f"/api/v1/profiles/{me.pk}").status_code == 404
    assert not candidates_for(Profile.objects.get(pk=me.pk)).filter(pk=other.pk).exists()
    assert not candidates_for(Profile.objects.get(pk=other.pk)).filter(pk=me.pk).exists()
    like_again = auth_client.post("/api/v1/matching/likes", {"target_id": str(other.pk)})
    assert like_again.status_code == 404
    # Final: a second unmatch and any PATCH find nothing to change.
    assert auth_client.post(f"{MATCHES}/{match.pk}/unmatch").status_code == 404
    assert auth_client.patch(f"{MATCHES}/{match.pk}", {"state": "active"}).status_code == 409
    assert len(ended_log) == 1


def test_unmatching_someone_elses_match_is_404(me, auth_client, make_person, ended_log):
    theirs = make_match(make_person(), make_person())

    assert auth_client.post(f"{MATCHES}/{theirs.pk}/unmatch").status_code == 404
    assert state_of(theirs) == MatchState.ACTIVE
    assert ended_log == []


def test_an_open_match_is_visible_in_profiles_until_it_ends(me, auth_client, make_person):
    other = make_person()
    make_match(me, other, state=MatchState.DATING)

    assert auth_client.get(f"/api/v1/profiles/{other.pk}").status_code == 200


# --- blocks and deletion -----------------------------------------------------------------------


def test_a_block_ends_the_open_match_by_the_blocker(
    me, make_person, ended_log, django_capture_on_commit_callbacks, inbox
):
    other = make_person()
    match = make_match(me, other, state=MatchState.DATING)
    listening = inbox(me, other)

    with django_capture_on_commit_callbacks(execute=True):
        Block.objects.create(blocker=other, blocked=me)
        block_created.send(sender=None, blocker_id=other.pk, blocked_id=me.pk)

    row = Match.objects.get(pk=match.pk)
    assert (row.state, row.ended_by_id) == (MatchState.UNMATCHED, other.pk)
    assert ended_log == [(match.pk, MatchState.UNMATCHED, True)]
    assert "matching.match_ended" in listening.types(me)


def test_a_block_without_a_match_or_after_it_ended_changes_nothing(me, make_person, ended_log):
    stranger, former = make_person(), make_person()
    ended = make_match(me, former, state=MatchState.UNMATCHED)

    block_created.send(sender=None, blocker_id=me.pk, blocked_id=stranger.pk)
    block_created.send(sender=None, blocker_id=me.pk, blocked_id=former.pk)

    assert Match.objects.get(pk=ended.pk).ended_by_id is None
    assert ended_log == []


def test_deleting_an_account_ends_its_open_matches_as_deleted(me, make_person, ended_log):
    first, second, third = make_person(), make_person(), make_person()
    open_one = make_match(me, first)
    archived = make_match(me, second, state=MatchState.ARCHIVED)
    unmatched = make_match(me, third, state=MatchState.UNMATCHED)
    others = make_match(first, second)

    assert matches_end_for_deleted_user(user_id=me.pk) == 2
    assert matches_end_for_deleted_user(user_id=me.pk) == 0

    states = dict(Match.objects.values_list("pk", "state"))
    assert states == {
        open_one.pk: MatchState.DELETED,
        archived.pk: MatchState.DELETED,
        unmatched.pk: MatchState.UNMATCHED,
        others.pk: MatchState.ACTIVE,
    }
    assert Match.objects.get(pk=open_one.pk).ended_by_id == me.pk
    assert sorted(entry[0] for entry in ended_log) == sorted([open_one.pk, archived.pk])


# --- quiet matches and chat activity -----------------------------------------------------------


def test_the_beat_job_archives_only_active_matches_quiet_for_long_enough(me, make_person, settings):
    settings.KINDRED_MATCH_ARCHIVE_BATCH_SIZE = 2
    days = settings.KINDRED_MATCH_ARCHIVE_AFTER_DAYS
    now = timezone.now()
    quiet = [make_match(me, make_person()) for _ in range(3)]
    recent = make_match(me, make_person())
    quiet_dating = make_match(me, make_person(), state=MatchState.DATING)
    quiet_unmatched = make_match(me, make_person(), state=MatchState.UNMATCHED)
    Match.objects.exclude(pk=recent.pk).update(last_activity_at=now - timedelta(days=days, hours=1))
    Match.objects.filter(pk=recent.pk).update(last_activity_at=now - timedelta(days=days - 1))

    assert archive_inactive_matches_task() == 3
    assert matches_archive_inactive(batch_size=2) == 0

    states = dict(Match.objects.values_list("pk", "state"))
    assert {states[match.pk] for match in quiet} == {MatchState.ARCHIVED}
    assert states[recent.pk] == MatchState.ACTIVE
    assert states[quiet_dating.pk] == MatchState.DATING
    assert states[quiet_unmatched.pk] == MatchState.UNMATCHED


def test_the_archive_job_is_on_the_beat_schedule():
    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "matching.archive_inactive_matches" in tasks
    assert "matching.archive_inactive_matches" in app.tasks


def test_activity_moves_forward_and_brings_an_archived_match_back(me, make_person):
    now = timezone.now()
    archived = make_match(me, make_person(), state=MatchState.ARCHIVED)
    dating = make_match(me, make_person(), state=MatchState.DATING)
    ended = make_match(me, make_person(), state=MatchState.UNMATCHED)
    Match.objects.update(last_activity_at=now - timedelta(days=10))

    assert match_record_activity(match_id=archived.pk, at=now)
    assert match_record_activity(match_id=dating.pk, at=now)
    assert not match_record_activity(match_id=ended.pk, at=now)
    assert match_record_activity(match_id=archived.pk, at=now - timedelta(days=1))

    rows = {row.pk: row for row in Match.objects.all()}
    assert (rows[archived.pk].state, rows[archived.pk].last_activity_at) == ("active", now)
    assert rows[archived.pk].state_changed_at == now
    assert (rows[dating.pk].state, rows[dating.pk].last_activity_at) == ("dating", now)
    assert rows[ended.pk].state == "unmatched"
    assert rows[ended.pk].last_activity_at < now - timedelta(days=9)


def test_a_chat_message_moves_the_match_to_the_top(me, auth_client, make_person):
    from chat.services import message_send

    first, second = make_person(), make_person()
    older = make_match(me, first)
    make_match(me, second)
    conversation_open_for_match(match=older)
    Match.objects.filter(pk=older.pk).update(
        state=MatchState.ARCHIVED, last_activity_at=timezone.now() - timedelta(days=30)
    )

    message_send(sender=first, conversation_id=older.pk, body="Still there?", client_message_id="a")

    results = auth_client.get(MATCHES).json()["results"]
    assert results[0]["id"] == str(older.pk)
    assert results[0]["state"] == "active"
