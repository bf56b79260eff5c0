"""Passes and rewind through matching, and how passes hold back likes."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from discovery import deck_store
from discovery.deck_services import deck_build, deck_page
from discovery.models import Pass
from matching.models import Like, Match
from matching.services import like_create
from matching.tasks import LIKE_NOTIFICATIONS
from matching.tests.conftest import client_for, scheduled_tasks
from matching.tests.factories import set_quota

pytestmark = pytest.mark.django_db

PASSES = "/api/v1/matching/passes"
REWIND = "/api/v1/matching/rewind"
RECEIVED = "/api/v1/matching/likes/received"


@pytest.fixture
def man(me):
    """`me` as a man into women, so that the default test people fit my deck."""
    from accounts.models import User
    from profiles.models import Profile

    Profile.objects.filter(pk=me.pk).update(gender="man", interested_in=["woman"])
    return User.objects.select_related("profile").get(pk=me.pk)


def age_pass(actor, target, days: float) -> None:
    Pass.objects.filter(actor=actor, target=target).update(
        created_at=timezone.now() - timedelta(days=days)
    )


def test_a_pass_answers_201_with_its_cooldown_and_leaves_my_deck(man, auth_client, make_person):
    first, second = make_person(), make_person()
    deck_build(user_id=man.pk)

    response = auth_client.post(PASSES, {"target_id": str(first.pk)})

    assert response.status_code == 201
    row = Pass.objects.get(actor=man, target=first)
    body = response.json()
    assert body["target_id"] == str(first.pk)
    assert body["expires_at"].startswith((row.created_at + timedelta(days=30)).date().isoformat())
    served = deck_page(user=man, limit=10).results
    assert [card.user_id for card in served] == [second.pk]
    assert deck_store.deck_served_ids(user_id=man.pk) >= {first.pk}  # popped, then dropped


def test_passing_myself_is_400_and_an_unknown_profile_404(man, auth_client):
    myself = auth_client.post(PASSES, {"target_id": str(man.pk)})
    unknown = auth_client.post(PASSES, {"target_id": str(uuid.uuid4())})
    invalid = auth_client.post(PASSES, {"target_id": "nope"})

    assert myself.status_code == 400
    assert myself.json()["code"] == "cannot_pass_self"
    assert unknown.status_code == 404
    assert invalid.status_code == 400
    assert not Pass.objects.exists()


def test_rewind_undoes_my_last_pass_each_once(man, auth_client, make_person):
    first, second = make_person(display_name="First"), make_person(display_name="Second")
    auth_client.post(PASSES, {"target_id": str(first.pk)})
    age_pass(man, first, days=1)
    auth_client.post(PASSES, {"target_id": str(second.pk)})

    latest = auth_client.post(REWIND)
    older = auth_client.post(REWIND)
    nothing = auth_client.post(REWIND)

    assert latest.status_code == older.status_code == 200
    assert latest.json()["undone"]["target_id"] == str(second.pk)
    assert latest.json()["profile"]["display_name"] == "Second"
    assert older.json()["undone"]["target_id"] == str(first.pk)
    assert nothing.status_code == 409
    assert nothing.json()["code"] == "nothing_to_rewind"
    assert not Pass.objects.exists()


def test_rewind_ignores_passes_past_their_cooldown(man, auth_client, make_person, settings):
    other = make_person()
    auth_client.post(PASSES, {"target_id": str(other.pk)})
    age_pass(man, other, days=settings.KINDRED_PASS_COOLDOWN_DAYS + 1)

    response = auth_client.post(REWIND)

    assert response.status_code == 409
    assert Pass.objects.filter(actor=man, target=other).exists()


def test_a_like_from_someone_who_passed_on_me_stays_pending_and_hidden(
    me, auth_client, make_person, django_capture_on_commit_callbacks, inbox
):
    other = make_person()
    Pass.objects.create(actor=other, target=me)
    set_quota(other, day_count=0, total_count=10)
    listening = inbox(other)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = like_create(actor=me, target_id=other.pk)

    assert result.created
    assert result.match is None
    assert listening.events(other) == []
    assert not [task for task in scheduled_tasks(callbacks) if "notify" in task[0]]
    assert LIKE_NOTIFICATIONS.pending() == 0  # no notification of it either
    their_view = client_for(other).get(RECEIVED).json()
    assert (their_view["results"], their_view["count"]) == ([], 0)


def test_their_like_shows_again_when_their_pass_ends(me, make_person, settings):
    other = make_person()
    Pass.objects.create(actor=other, target=me)
    like_create(actor=me, target_id=other.pk)
    their_client = client_for(other)
    assert their_client.get(RECEIVED).json()["count"] == 0

    age_pass(other, me, days=settings.KINDRED_PASS_COOLDOWN_DAYS + 0.01)

    view = their_client.get(RECEIVED).json()
    assert [item["user"]["id"] for item in view["results"]] == [str(me.pk)]


def test_liking_someone_i_passed_lifts_my_pass_and_matches_their_pending_like(
    me, auth_client, make_person
):
    other = make_person()
    Pass.objects.create(actor=me, target=other)
    Like.objects.create(actor=other, target=me)

    response = auth_client.post("/api/v1/matching/likes", {"target_id": str(other.pk)})

    assert response.status_code == 201
    assert response.json()["match"] is not None
    assert Match.objects.count() == 1
    assert not Pass.objects.filter(actor=me, target=other).exists()


def test_passing_on_someone_i_liked_or_matched_is_404(me, auth_client, make_person):
    liked = make_person()
    like_create(actor=me, target_id=liked.pk)

    response = auth_client.post(PASSES, {"target_id": str(liked.pk)})

    assert response.status_code == 404
    assert not Pass.objects.exists()


def test_pass_lift_removes_only_that_pass(me, make_person):
    from discovery.pass_services import pass_lift

    first, second = make_person(), make_person()
    Pass.objects.create(actor=me, target=first)
    kept = Pass.objects.create(actor=me, target=second)

    assert pass_lift(actor_id=me.pk, target_id=first.pk)
    assert not pass_lift(actor_id=me.pk, target_id=first.pk)
    assert list(Pass.objects.values_list("pk", flat=True)) == [kept.pk]
