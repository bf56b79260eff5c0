import pytest

from accounts.tests.factories import UserFactory
from core.exceptions import ValidationFailed
from core.testing import run_in_threads
from profiles.compatibility import (
    QuizIncomplete,
    compare_traits,
    compatibility_for,
    trait_difference_label,
)
from profiles.models import Compatibility, Profile
from profiles.quiz_tasks import recompute_compatibility_task
from profiles.traits import TRAITS

# --- the pure comparison ----------------------------------------------------------------------


def test_identical_traits_score_100_and_are_aligned_everywhere():
    result = compare_traits([80, 20, 55, 10, 90, 50], [80, 20, 55, 10, 90, 50])

    assert result.score == 100
    assert [item.label for item in result.traits] == ["aligned"] * 6
    assert [item.difference for item in result.traits] == [0] * 6


def test_opposite_traits_score_0_with_no_reasons():
    result = compare_traits([0] * 6, [100] * 6)

    assert result.score == 0
    assert [item.label for item in result.traits] == ["opposite"] * 6
    assert result.reasons == ()


def test_score_is_100_minus_the_mean_difference_with_labels_at_their_limits():
    # Differences 10, 11, 25, 26, 50, 51: mean 28.83 → 71.
    result = compare_traits([0, 0, 0, 0, 0, 0], [10, 11, 25, 26, 50, 51])

    assert [item.difference for item in result.traits] == [10, 11, 25, 26, 50, 51]
    assert result.score == 71
    assert [item.label for item in result.traits] == [
        "aligned",
        "similar",
        "similar",
        "different",
        "different",
        "opposite",
    ]


@pytest.mark.parametrize(
    ("difference", "label"),
    [
        (0, "aligned"),
        (10, "aligned"),
        (11, "similar"),
        (25, "similar"),
        (26, "different"),
        (50, "different"),
        (51, "opposite"),
        (100, "opposite"),
    ],
)
def test_trait_labels_follow_the_difference(difference, label):
    assert trait_difference_label(difference) == label


def test_half_points_round_up():
    # Sum of differences 9: 100 - 1.5 = 98.5 → 99 (not banker's 98).
    assert compare_traits([0, 0, 0, 0, 0, 0], [9, 0, 0, 0, 0, 0]).score == 99
    # Sum 3: 99.5 → 100.
    assert compare_traits([0, 0, 0, 0, 0, 0], [3, 0, 0, 0, 0, 0]).score == 100


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ([90, 50, 10, 50, 50, 80], [85, 90, 15, 0, 100, 60]),
        ([0, 100, 33, 67, 12, 88], [45, 2, 90, 66, 13, 40]),
        ([1, 2, 3, 4, 5, 6], [100, 99, 98, 97, 96, 95]),
    ],
)
def test_comparison_is_symmetric(first, second):
    assert compare_traits(first, second) == compare_traits(second, first)


def test_reasons_come_from_shared_traits_closest_first():
    # adventure 5 apart (high), planning 5 apart (low), communication 20 apart (high);
    # the rest differ by 40 or more.
    result = compare_traits([90, 50, 10, 50, 50, 80], [85, 90, 15, 0, 100, 60])

    assert result.reasons == (
        "You both score high on adventure: say yes to the spontaneous plan.",
        "You both go with the flow.",
        "You both score high on communication: talking things through comes easily.",
    )


def test_at_most_three_reasons_and_middle_scores_have_their_own_lines():
    result = compare_traits([50] * 6, [50] * 6)

    assert result.reasons == (
        "You balance adventure and comfort the same way.",
        "You both enjoy company and quiet time in similar doses.",
        "You plan about as much as each other, with room to improvise.",
    )


def test_details_hold_labels_differences_and_reasons():
    result = compare_traits([90, 50, 10, 50, 50, 80], [85, 90, 15, 0, 100, 60])

    assert result.as_details() == {
        "traits": {
            "adventure": {"label": "aligned", "difference": 5},
            "social_energy": {"label": "different", "difference": 40},
            "planning": {"label": "aligned", "difference": 5},
            "emotional_openness": {"label": "different", "difference": 50},
            "independence": {"label": "different", "difference": 50},
            "communication": {"label": "similar", "difference": 20},
        },
        "reasons": list(result.reasons),
    }


def test_vectors_of_the_wrong_length_are_refused():
    with pytest.raises(ValueError, match="6 scores"):
        compare_traits([1, 2, 3], [1, 2, 3])


# --- the cached pair --------------------------------------------------------------------------


def profile_with(traits: list[int] | None) -> Profile:
    profile = UserFactory().profile
    Profile.objects.filter(pk=profile.pk).update(traits=traits)
    profile.refresh_from_db()
    return profile


@pytest.mark.django_db
def test_compatibility_is_computed_and_cached_once_per_unordered_pair(django_assert_num_queries):
    first = profile_with([90, 50, 10, 50, 50, 80])
    second = profile_with([85, 90, 15, 0, 100, 60])

    row = compatibility_for(profile_a=first, profile_b=second)
    # Already current: one read, no write.
    with django_assert_num_queries(1):
        again = compatibility_for(profile_a=second, profile_b=first)

    low, high = sorted([first.pk, second.pk])
    stored = Compatibility.objects.get()
    assert (stored.low_id, stored.high_id) == (low, high)
    assert row.pk == again.pk == stored.pk
    assert stored.score == compare_traits(first.traits, second.traits).score == 72
    assert stored.details == compare_traits(first.traits, second.traits).as_details()


@pytest.mark.django_db
def test_a_stale_cached_row_is_rewritten_from_current_traits():
    first = profile_with([50] * 6)
    second = profile_with([50] * 6)
    compatibility_for(profile_a=first, profile_b=second)
    Profile.objects.filter(pk=second.pk).update(traits=[0] * 6)
    second.refresh_from_db()

    row = compatibility_for(profile_a=first, profile_b=second)

    assert row.score == 50
    assert Compatibility.objects.get().score == 50
    assert Compatibility.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("missing", ["first", "second", "both"])
def test_compatibility_needs_both_quizzes(missing):
    first = profile_with(None if missing in ("first", "both") else [50] * 6)
    second = profile_with(None if missing in ("second", "both") else [50] * 6)

    with pytest.raises(QuizIncomplete) as caught:
        compatibility_for(profile_a=first, profile_b=second)

    assert (caught.value.status_code, caught.value.code) == (409, "quiz_incomplete")
    assert not Compatibility.objects.exists()


@pytest.mark.django_db
def test_a_profile_is_not_compared_with_itself():
    profile = profile_with([50] * 6)

    with pytest.raises(ValidationFailed) as caught:
        compatibility_for(profile_a=profile, profile_b=profile)

    assert caught.value.code == "same_profile"
    assert not Compatibility.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_first_computations_of_a_pair_leave_one_row():
    first = profile_with([90, 50, 10, 50, 50, 80])
    second = profile_with([85, 90, 15, 0, 100, 60])
    orders = [(first, second), (second, first)]

    def compute() -> tuple[object, int]:
        profile_a, profile_b = orders.pop()
        row = compatibility_for(profile_a=profile_a, profile_b=profile_b)
        return row.pk, row.score

    results = run_in_threads(compute, 2)

    stored = Compatibility.objects.get()
    assert results == [(stored.pk, 72), (stored.pk, 72)]


# --- the recompute task -----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_task_recomputes_every_cached_pair_of_the_profile_and_drops_unscorable_ones():
    me = profile_with([50] * 6)
    friend = profile_with([50] * 6)
    stranger = profile_with([60] * 6)
    quitter = profile_with([50] * 6)
    bystanders = (profile_with([10] * 6), profile_with([20] * 6))
    for other in (friend, stranger, quitter):
        compatibility_for(profile_a=me, profile_b=other)
    untouched = compatibility_for(profile_a=bystanders[0], profile_b=bystanders[1])
    Profile.objects.filter(pk=me.pk).update(traits=[100] * 6)
    Profile.objects.filter(pk=quitter.pk).update(traits=None)

    changed = recompute_compatibility_task(str(me.pk))

    assert changed == 3
    scores = {
        (row.low_id, row.high_id): row.score
        for row in Compatibility.objects.exclude(pk=untouched.pk)
    }
    assert scores == {
        tuple(sorted([me.pk, friend.pk])): 50,
        tuple(sorted([me.pk, stranger.pk])): 60,
    }
    assert Compatibility.objects.get(pk=untouched.pk).score == untouched.score
    details = Compatibility.objects.get(
        low_id=min(me.pk, friend.pk), high_id=max(me.pk, friend.pk)
    ).details
    assert {item["label"] for item in details["traits"].values()} == {"different"}
    # Idempotent: run again, nothing changes.
    assert recompute_compatibility_task(str(me.pk)) == 0


@pytest.mark.django_db
def test_the_task_for_a_profile_without_cached_pairs_does_nothing():
    assert recompute_compatibility_task(str(profile_with([50] * 6).pk)) == 0


def test_traits_order_is_the_stored_order():
    assert TRAITS == (
        "adventure",
        "social_energy",
        "planning",
        "emotional_openness",
        "independence",
        "communication",
    )
