"""Blocks: idempotent, signalled once inside the transaction, hiding both people from each
other (profile views 404 both ways, discovery), listed with a pinned query count."""

from typing import Any

import pytest
from django.db import connection

from accounts.tests.factories import UserFactory
from core.testing import run_in_threads
from discovery.deck_services import deck_build
from discovery.visibility import viewer_can_see
from moderation.models import Block
from moderation.selectors import hidden_user_ids, is_blocked_between
from moderation.services import block_create
from moderation.signals import block_created
from moderation.tests.conftest import client_for
from profiles.tests.factories import make_complete

pytestmark = pytest.mark.django_db

BLOCKS = "/api/v1/moderation/blocks"


@pytest.fixture
def block_signals() -> Any:
    """Every block_created sent, with whether it came inside a transaction."""
    received: list[dict[str, Any]] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        received.append({**kwargs, "in_transaction": connection.in_atomic_block})

    block_created.connect(receiver, weak=False, dispatch_uid="test_blocks")
    yield received
    block_created.disconnect(dispatch_uid="test_blocks")


def test_block_creates_one_block_and_signals_inside_the_transaction(
    auth_client, member, other, block_signals
):
    response = auth_client.post(BLOCKS, {"user_id": str(other.pk)})

    assert response.status_code == 201
    assert response.json()["user_id"] == str(other.pk)
    assert response.json()["display_name"] == "Sam"
    assert Block.objects.filter(blocker_id=member.pk, blocked_id=other.pk).count() == 1
    assert block_signals == [
        {
            "signal": block_created,
            "blocker_id": member.pk,
            "blocked_id": other.pk,
            "in_transaction": True,
        }
    ]


def test_blocking_again_is_idempotent_and_signals_nothing(
    auth_client, member, other, block_signals
):
    auth_client.post(BLOCKS, {"user_id": str(other.pk)})

    again = auth_client.post(BLOCKS, {"user_id": str(other.pk)})

    assert again.status_code == 200
    assert Block.objects.count() == 1
    assert len(block_signals) == 1


def test_blocking_oneself_or_nobody_is_refused_and_writes_nothing(
    auth_client, member, block_signals
):
    myself = auth_client.post(BLOCKS, {"user_id": str(member.pk)})
    nobody = auth_client.post(BLOCKS, {"user_id": "00000000-0000-0000-0000-000000000000"})
    garbage = auth_client.post(BLOCKS, {"user_id": "not-a-uuid"})

    assert myself.status_code == 400
    assert myself.json()["code"] == "cannot_block_self"
    assert nobody.status_code == 404
    assert garbage.status_code == 400
    assert garbage.json()["code"] == "validation_error"
    assert "user_id" in garbage.json()["extra"]["fields"]
    assert Block.objects.count() == 0
    assert block_signals == []


def test_a_block_hides_each_profile_from_the_other_with_404(auth_client, member, other):
    other_client = client_for(other.user)
    assert auth_client.get(f"/api/v1/profiles/{other.pk}").status_code == 200
    assert other_client.get(f"/api/v1/profiles/{member.pk}").status_code == 200

    auth_client.post(BLOCKS, {"user_id": str(other.pk)})

    mine = auth_client.get(f"/api/v1/profiles/{other.pk}")
    theirs = other_client.get(f"/api/v1/profiles/{member.pk}")
    assert mine.status_code == 404
    assert mine.json()["code"] == "not_found"
    assert theirs.status_code == 404
    assert theirs.json()["code"] == "not_found"
    # Each still sees their own profile.
    assert other_client.get(f"/api/v1/profiles/{other.pk}").status_code == 200


def test_a_block_takes_both_out_of_each_others_discovery(member, other):
    assert viewer_can_see(member, other.pk)
    assert viewer_can_see(other, member.pk)

    block_create(blocker=other.user, user_id=member.pk)

    assert not viewer_can_see(member, other.pk)
    assert not viewer_can_see(other, member.pk)
    assert hidden_user_ids(member.pk) == {other.pk}
    assert is_blocked_between(member.pk, other.pk)


def test_unblock_is_idempotent_and_makes_the_profile_visible_again(auth_client, member, other):
    auth_client.post(BLOCKS, {"user_id": str(other.pk)})

    first = auth_client.delete(f"{BLOCKS}/{other.pk}")
    second = auth_client.delete(f"{BLOCKS}/{other.pk}")

    assert first.status_code == 204
    assert second.status_code == 204
    assert Block.objects.count() == 0
    assert auth_client.get(f"/api/v1/profiles/{other.pk}").status_code == 200


def test_unblocking_removes_only_my_own_block(auth_client, member, other):
    block_create(blocker=other.user, user_id=member.pk)

    response = auth_client.delete(f"{BLOCKS}/{other.pk}")

    assert response.status_code == 204
    assert Block.objects.filter(blocker_id=other.pk, blocked_id=member.pk).exists()


@pytest.mark.parametrize("count", [1, 50])
def test_block_list_has_a_fixed_query_count(auth_client, member, count, django_assert_num_queries):
    people = UserFactory.create_batch(count)
    for person in people:
        Block.objects.create(blocker_id=member.pk, blocked_id=person.pk)
    Block.objects.create(blocker=UserFactory(), blocked_id=member.pk)  # not mine
    auth_client.get(BLOCKS)  # the first call of the session records last_seen_at

    # authentication (user + profile), the page
    with django_assert_num_queries(2):
        response = auth_client.get(BLOCKS, {"limit": 50})

    assert response.status_code == 200
    body = response.json()
    assert {item["user_id"] for item in body["results"]} == {str(p.pk) for p in people}
    assert body["next"] is None


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_blocks_of_the_same_person_make_one_block_and_one_signal(block_signals):
    blocker = UserFactory()
    target = make_complete(UserFactory())

    results = run_in_threads(lambda: block_create(blocker=blocker, user_id=target.pk), 4)

    assert sorted(result.created for result in results) == [False, False, False, True]
    assert Block.objects.count() == 1
    assert len(block_signals) == 1


def test_someone_blocked_after_my_deck_was_built_never_shows_from_it(auth_client, member, other):
    # Decks are rechecked against every visibility rule when served (discovery), so a
    # block needs no deck invalidation of its own.
    assert deck_build(user_id=member.pk).size == 1  # `other` is in my ready deck

    auth_client.post(BLOCKS, {"user_id": str(other.pk)})
    response = auth_client.get("/api/v1/discovery/deck", {"limit": 10})

    assert response.status_code == 200
    assert response.json()["results"] == []


def test_a_deck_built_before_i_was_blocked_drops_the_blocker(member, other):
    assert deck_build(user_id=member.pk).size == 1

    block_create(blocker=other.user, user_id=member.pk)
    response = client_for(member.user).get("/api/v1/discovery/deck", {"limit": 10})

    assert response.json()["results"] == []
