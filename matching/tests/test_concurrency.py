"""Races settled by locks and constraints, on real connections (core.testing.run_in_threads)."""

import queue

import pytest
from django.db import transaction

from core.exceptions import ApplicationError
from core.testing import run_in_threads
from matching.models import Like, LikeQuota, Match
from matching.services import like_create
from matching.tests.factories import person, set_quota
from moderation.models import Block
from moderation.signals import block_created

pytestmark = pytest.mark.django_db(transaction=True)


def outcome(call) -> str:
    try:
        result = call()
    except ApplicationError as error:
        return error.code
    return "created" if result.created else "replayed"


def test_twenty_simultaneous_likes_at_the_limit_let_exactly_the_allowed_number_through(settings):
    settings.KINDRED_LIKE_BURST = "1000/60"
    actor = person()
    set_quota(actor, day_count=settings.KINDRED_LIKES_PER_DAY - 3, total_count=50)
    chosen = [person() for _ in range(20)]
    pick = iter(range(20))

    def like_one() -> str:
        index = next(pick)
        return outcome(lambda: like_create(actor=actor, target_id=chosen[index].pk))

    results = run_in_threads(like_one, 20)

    assert sorted(results).count("created") == 3
    assert sorted(results).count("daily_like_limit") == 17
    assert Like.objects.filter(actor=actor).count() == 3
    quota = LikeQuota.objects.get(pk=actor.pk)
    assert (quota.day_count, quota.total_count) == (settings.KINDRED_LIKES_PER_DAY, 53)


def test_simultaneous_first_likes_without_comment_are_all_refused(settings):
    settings.KINDRED_LIKE_BURST = "1000/60"
    actor = person()
    targets = [person() for _ in range(6)]
    pick = iter(range(6))

    def like_one() -> str:
        index = next(pick)
        return outcome(lambda: like_create(actor=actor, target_id=targets[index].pk))

    results = run_in_threads(like_one, 6)

    assert results == ["comment_required"] * 6
    assert not Like.objects.exists()
    assert not LikeQuota.objects.exists()


def race_mutual_likes(first, second) -> list:
    """`first` likes `second` and `second` likes `first`, released at the same instant."""
    pairs: queue.Queue = queue.Queue()
    pairs.put((first, second))
    pairs.put((second, first))

    def like_back():
        actor, target = pairs.get_nowait()
        return like_create(actor=actor, target_id=target.pk)

    return run_in_threads(like_back, 2)


def test_mutual_likes_at_the_same_instant_make_exactly_one_match(settings):
    settings.KINDRED_LIKE_BURST = "1000/60"
    for _ in range(5):  # several rounds: the race must hold every time, not once by luck
        first, second = person(), person()
        for someone in (first, second):
            set_quota(someone, day_count=0, total_count=10)

        results = race_mutual_likes(first, second)

        matches = Match.objects.filter(user_low_id__in=[first.pk, second.pk])
        assert matches.count() == 1
        match = matches.get()
        assert all(result.created for result in results)
        returned = [result.match for result in results if result.match is not None]
        # Whoever came second got the match; the first saw no like yet and got none.
        assert [m.pk for m in returned] == [match.pk]
        assert Like.objects.filter(actor__in=[first, second]).count() == 2


def race_like_and_block(liker, other) -> list[str]:
    """`liker` likes back `other` while `other` blocks `liker`, at the same instant."""
    jobs: queue.Queue = queue.Queue()
    jobs.put("like")
    jobs.put("block")

    def act() -> str:
        if jobs.get_nowait() == "like":
            return outcome(lambda: like_create(actor=liker, target_id=other.pk))
        with transaction.atomic():
            Block.objects.create(blocker=other, blocked=liker)
            block_created.send(sender=None, blocker_id=other.pk, blocked_id=liker.pk)
        return "blocked"

    return run_in_threads(act, 2)


def test_a_block_racing_a_mutual_like_never_leaves_an_open_match(settings):
    settings.KINDRED_LIKE_BURST = "1000/60"
    for _ in range(5):
        liker, other = person(), person()
        set_quota(liker, day_count=0, total_count=10)
        Like.objects.create(actor=other, target=liker)

        results = race_like_and_block(liker, other)

        assert "blocked" in results
        open_matches = Match.objects.filter(
            user_low_id__in=[liker.pk, other.pk], state__in=["active", "dating", "archived"]
        )
        assert not open_matches.exists(), results
