"""GET /matching/likes/received: who liked me, and its count kept exact in Redis."""

import threading
from datetime import timedelta

import pytest
from django.utils import timezone

from core.redis import get_redis
from discovery.models import Pass
from matching import received_count
from matching.models import Like
from matching.received_count import like_count_received
from matching.services import like_create, pass_record, pass_rewind
from matching.tests.factories import make_match, set_quota
from moderation.models import Block
from moderation.signals import block_created
from profiles.models import Photo, Profile, Prompt, PromptAnswer
from profiles.services import profile_update

pytestmark = pytest.mark.django_db

RECEIVED = "/api/v1/matching/likes/received"


def liker(make_person, **fields):
    someone = make_person(**fields)
    set_quota(someone, day_count=0, total_count=10)
    return someone


def cached(user) -> str | None:
    return get_redis().get(received_count._count_key(user.pk))


def test_who_liked_me_newest_first_with_comment_photo_prompt_and_count(
    me, auth_client, make_person
):
    first = liker(make_person, display_name="First")
    second = liker(make_person, display_name="Second")
    photo = Photo.objects.get(profile_id=me.pk)
    prompt = Prompt.objects.create(text="Liked prompt for the list")
    answer = PromptAnswer.objects.create(profile_id=me.pk, prompt=prompt, answer="Hiking")
    older = like_create(actor=first, target_id=me.pk, comment="Great photo", photo_id=photo.pk)
    newer = like_create(actor=second, target_id=me.pk, comment="Me too!", prompt_id=answer.pk)
    like_create(actor=me, target_id=liker(make_person).pk)  # a like I sent is not listed

    body = auth_client.get(RECEIVED).json()

    assert body["count"] == 2
    assert body["next"] is None
    results = body["results"]
    assert [item["id"] for item in results] == [str(newer.like.pk), str(older.like.pk)]
    assert results[0]["user"]["display_name"] == "Second"
    assert results[0]["comment"] == "Me too!"
    assert results[0]["prompt"]["answer"] == "Hiking"
    assert results[0]["photo"] is None
    assert results[1]["photo"]["id"] == str(photo.pk)
    assert results[1]["prompt"] is None


def test_the_list_leaves_out_blocks_matches_paused_people_and_my_passes(
    me, auth_client, make_person
):
    shown = liker(make_person)
    names = ("blocked", "blocking", "matched", "paused", "passed")
    hidden = {name: liker(make_person) for name in names}
    for someone in [shown, *hidden.values()]:
        Like.objects.create(actor=someone, target=me)
    Block.objects.create(blocker=me, blocked=hidden["blocked"])
    Block.objects.create(blocker=hidden["blocking"], blocked=me)
    make_match(me, hidden["matched"])
    Profile.objects.filter(pk=hidden["paused"].pk).update(is_paused=True, is_discoverable=False)
    Pass.objects.create(actor=me, target=hidden["passed"])

    body = auth_client.get(RECEIVED).json()

    assert [item["user"]["id"] for item in body["results"]] == [str(shown.pk)]
    assert body["count"] == 1


@pytest.mark.parametrize("count", [1, 50])
def test_the_list_takes_the_same_queries_for_1_and_50(
    me, auth_client, make_person, count, django_assert_num_queries
):
    photo = Photo.objects.get(profile_id=me.pk)
    for _ in range(count):
        Like.objects.create(actor=make_person(), target=me, comment="Hi", photo=photo)
    auth_client.get(RECEIVED)  # warms the count cache and last_seen_at

    # auth, likes (with photo and prompt), profiles, interests, photos, prompts, badges,
    # my location; the count from Redis
    with django_assert_num_queries(8):
        body = auth_client.get(RECEIVED, {"limit": 50}).json()

    assert len(body["results"]) == count
    assert body["count"] == count


def test_the_list_pages_with_a_cursor(me, auth_client, make_person):
    for _ in range(3):
        Like.objects.create(actor=make_person(), target=me)

    first = auth_client.get(RECEIVED, {"limit": 2}).json()
    second = auth_client.get(first["next"]).json()

    assert len(first["results"]) == 2
    assert len({item["id"] for item in first["results"] + second["results"]}) == 3
    assert first["count"] == second["count"] == 3


# --- the cached count stays exact ---------------------------------------------------------


@pytest.fixture
def counted(me, django_capture_on_commit_callbacks):
    """`check(n)`: the count is n from the database, and also from the cache."""

    def check(expected: int) -> None:
        assert like_count_received(user_id=me.pk) == expected
        assert cached(me) == str(expected)
        assert like_count_received(user_id=me.pk) == expected

    return check


def committed(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks(execute=True)


def test_the_count_follows_likes_arriving_and_turning_into_matches(
    me, make_person, counted, django_capture_on_commit_callbacks
):
    first, second = liker(make_person), liker(make_person)
    counted(0)

    with committed(django_capture_on_commit_callbacks):
        like_create(actor=first, target_id=me.pk)
    counted(1)
    with committed(django_capture_on_commit_callbacks):
        like_create(actor=second, target_id=me.pk)
    counted(2)
    with committed(django_capture_on_commit_callbacks):
        like_create(actor=me, target_id=first.pk)  # a match: no longer waiting
    counted(1)


def test_the_count_follows_blocks_and_unblocks_either_way(
    me, make_person, counted, django_capture_on_commit_callbacks
):
    someone = liker(make_person)
    Like.objects.create(actor=someone, target=me)
    counted(1)

    with committed(django_capture_on_commit_callbacks):
        block = Block.objects.create(blocker=someone, blocked=me)
        block_created.send(sender=None, blocker_id=someone.pk, blocked_id=me.pk)
    counted(0)
    with committed(django_capture_on_commit_callbacks):
        block.delete()
    counted(1)
    with committed(django_capture_on_commit_callbacks):
        Block.objects.create(blocker=me, blocked=someone)
    counted(0)


def test_the_count_follows_my_passes_and_rewinds(
    me, make_person, counted, django_capture_on_commit_callbacks
):
    someone = liker(make_person, gender="man", interested_in=["woman"])
    Like.objects.create(actor=someone, target=me)
    counted(1)

    with committed(django_capture_on_commit_callbacks):
        pass_record(actor=me, target_id=someone.pk)
    counted(0)
    with committed(django_capture_on_commit_callbacks):
        pass_rewind(actor=me)
    counted(1)


def test_a_count_hidden_by_my_pass_expires_when_the_pass_ends(me, make_person, settings):
    someone = liker(make_person)
    Like.objects.create(actor=someone, target=me)
    Pass.objects.create(actor=me, target=someone)
    ends_in = timedelta(minutes=5)
    Pass.objects.filter(actor=me).update(
        created_at=timezone.now() - timedelta(days=settings.KINDRED_PASS_COOLDOWN_DAYS) + ends_in
    )

    assert like_count_received(user_id=me.pk) == 0

    ttl = get_redis().ttl(received_count._count_key(me.pk))
    assert 0 < ttl <= ends_in.total_seconds()


def test_the_count_follows_a_liker_pausing_and_coming_back(
    me, make_person, counted, django_capture_on_commit_callbacks
):
    someone = liker(make_person)
    Like.objects.create(actor=someone, target=me)
    counted(1)

    with committed(django_capture_on_commit_callbacks):
        profile_update(user=someone, data={"is_paused": True})
    counted(0)
    with committed(django_capture_on_commit_callbacks):
        profile_update(user=someone, data={"is_paused": False})
    counted(1)


def test_the_count_follows_a_liker_leaving_for_good(
    me, make_person, counted, django_capture_on_commit_callbacks
):
    someone = liker(make_person)
    Like.objects.create(actor=someone, target=me)
    counted(1)

    with committed(django_capture_on_commit_callbacks):
        someone.delete()
    counted(0)


def test_a_count_computed_while_a_like_commits_is_not_cached(me, make_person, monkeypatch):
    """A reader counts from a snapshot; a like commits (and drops the cache) before the
    reader stores its count: that count is returned but never cached."""
    someone = liker(make_person)
    real = received_count.like_count_received_uncached

    def count_then_race(*, user_id):
        result = real(user_id=user_id)
        writer = threading.Thread(target=received_count.likes_received_changed, args=([me.pk],))
        writer.start()
        writer.join()
        return result

    Like.objects.create(actor=someone, target=me)
    monkeypatch.setattr(received_count, "like_count_received_uncached", count_then_race)

    assert like_count_received(user_id=me.pk) == 1
    assert cached(me) is None


def test_without_redis_the_count_comes_from_the_database(me, make_person, settings):
    Like.objects.create(actor=liker(make_person), target=me)
    settings.REDIS_URL = "redis://127.0.0.1:1/0"

    assert like_count_received(user_id=me.pk) == 1
