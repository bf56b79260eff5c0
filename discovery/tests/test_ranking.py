import random
import uuid
from datetime import UTC, datetime, timedelta

from discovery.ranking import (
    DEFAULT_WEIGHTS,
    RankingFeatures,
    bucket_kilometres,
    compatibility_score,
    explain,
    fairness_score,
    rank,
    with_distance,
)
from profiles.compatibility import compare_traits

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
ME = [80, 50, 50, 50, 50, 50]
ID_A = uuid.UUID("00000000-0000-0000-0000-00000000000a")
ID_B = uuid.UUID("00000000-0000-0000-0000-00000000000b")
ID_C = uuid.UUID("00000000-0000-0000-0000-00000000000c")


def _features(user_id, **overrides):
    values = {
        "user_id": user_id,
        "distance_km": 5.0,
        "traits": [50, 50, 50, 50, 50, 50],
        "last_seen_at": NOW - timedelta(days=3),
        "created_at": NOW - timedelta(days=90),
        "completeness": 0.5,
        "shown_count": 0,
        "liked_count": 0,
        **overrides,
    }
    # Ranking takes times as timestamps (what the deck build reads from the database).
    for name in ("last_seen_at", "created_at"):
        if values[name] is not None:
            values[name] = values[name].timestamp()
    return RankingFeatures(**values)


def _order(candidates, weights=DEFAULT_WEIGHTS):
    return [
        item.user_id
        for item in rank(viewer_traits=ME, candidates=candidates, weights=weights, now=NOW)
    ]


def test_more_compatible_profiles_rank_first_other_things_equal():
    close = _features(ID_B, traits=[80, 50, 50, 50, 50, 50])
    far_apart = _features(ID_A, traits=[0, 100, 0, 100, 0, 100])

    assert _order([far_apart, close]) == [ID_B, ID_A]


def test_nearer_buckets_rank_first_other_things_equal():
    assert _order([_features(ID_A, distance_km=25.0), _features(ID_B, distance_km=3.0)]) == [
        ID_B,
        ID_A,
    ]


def test_distances_in_the_same_bucket_tie_and_fall_back_to_id_order():
    # 11.2 km and 14.9 km are both "15 km": the order must not tell them apart.
    assert _order([_features(ID_B, distance_km=11.2), _features(ID_A, distance_km=14.9)]) == [
        ID_A,
        ID_B,
    ]
    assert _order([_features(ID_B, distance_km=14.9), _features(ID_A, distance_km=11.2)]) == [
        ID_A,
        ID_B,
    ]


def test_weights_decide_which_component_wins():
    compatible_but_far = _features(ID_A, traits=[80, 50, 50, 50, 50, 50], distance_km=45.0)
    near_but_different = _features(ID_B, traits=[0, 100, 0, 100, 0, 100], distance_km=1.0)
    candidates = [compatible_but_far, near_but_different]

    assert _order(candidates, {"compatibility": 1.0}) == [ID_A, ID_B]
    assert _order(candidates, {"distance": 1.0}) == [ID_B, ID_A]


def test_fairness_damps_profiles_shown_far_more_than_they_are_liked():
    over_shown = _features(ID_A, shown_count=500, liked_count=2)
    liked_as_often_as_expected = _features(ID_B, shown_count=500, liked_count=50)

    assert _order([over_shown, liked_as_often_as_expected]) == [ID_B, ID_A]
    assert fairness_score(shown_count=500, liked_count=2, age=timedelta(days=90)) < 0.05
    assert fairness_score(shown_count=0, liked_count=0, age=timedelta(days=90)) == 0.5


def test_fairness_lifts_new_profiles_for_their_first_days():
    new = _features(ID_B, created_at=NOW - timedelta(hours=6))
    established = _features(ID_A)

    assert _order([established, new]) == [ID_B, ID_A]
    assert fairness_score(shown_count=0, liked_count=0, age=timedelta(0)) == 1.0
    assert fairness_score(shown_count=0, liked_count=0, age=timedelta(days=7)) == 0.5


def test_recently_active_profiles_rank_first_other_things_equal():
    active = _features(ID_B, last_seen_at=NOW - timedelta(hours=1))
    gone_quiet = _features(ID_A, last_seen_at=NOW - timedelta(days=20))

    assert _order([gone_quiet, active]) == [ID_B, ID_A]


def test_each_entry_explains_itself():
    adventurous = _features(
        ID_A, traits=[80, 70, 70, 30, 30, 70], created_at=NOW - timedelta(days=1)
    )
    active = _features(ID_B, traits=[0, 100, 0, 100, 0, 100], last_seen_at=NOW - timedelta(hours=2))
    quiet = _features(ID_C, traits=None, last_seen_at=None)

    ranked = {
        item.user_id: item.reasons
        for item in rank(
            viewer_traits=ME,
            candidates=[adventurous, active, quiet],
            weights=DEFAULT_WEIGHTS,
            now=NOW,
        )
    }

    assert ranked == {
        ID_A: ("You both score high on adventure", "New here"),
        ID_B: ("Active today",),
        ID_C: (),
    }


def test_served_reasons_start_with_the_distance_bucket_when_shown():
    assert with_distance(("New here",), "12 km") == ["12 km away", "New here"]
    assert with_distance(("New here",), None) == ["New here"]


def test_scores_are_stable_for_the_same_input():
    candidates = [_features(ID_A), _features(ID_B, distance_km=9.0)]

    first = rank(viewer_traits=ME, candidates=candidates, weights=DEFAULT_WEIGHTS, now=NOW)
    second = rank(viewer_traits=ME, candidates=candidates, weights=DEFAULT_WEIGHTS, now=NOW)

    assert first == second
    assert all(0 <= item.score <= 100 for item in first)


def test_bucket_kilometres_follow_the_public_buckets():
    assert [bucket_kilometres(km) for km in (0.4, 1.99, 2.0, 9.2, 10.0, 10.1, 14.9, 15.0)] == [
        2,
        2,
        2,
        10,
        10,
        15,
        15,
        15,
    ]


def test_the_score_only_compatibility_matches_the_full_comparison():
    generator = random.Random(3)
    for _ in range(500):
        first = [generator.randint(0, 100) for _ in range(6)]
        second = [generator.randint(0, 100) for _ in range(6)]

        assert compatibility_score(first, second) == compare_traits(first, second).score


def test_keeping_the_best_few_ranks_and_explains_them_as_the_full_ranking_does():
    generator = random.Random(5)
    candidates = [
        _features(
            uuid.UUID(int=generator.getrandbits(128)),
            distance_km=generator.uniform(0, 30),
            traits=[generator.randint(0, 100) for _ in range(6)],
            last_seen_at=NOW - timedelta(hours=generator.randint(0, 400)),
            created_at=NOW - timedelta(days=generator.randint(0, 30)),
            shown_count=generator.randint(0, 50),
            liked_count=generator.randint(0, 5),
        )
        for _ in range(300)
    ]

    everything = rank(viewer_traits=ME, candidates=candidates, weights=DEFAULT_WEIGHTS, now=NOW)
    best = rank(viewer_traits=ME, candidates=candidates, weights=DEFAULT_WEIGHTS, now=NOW, keep=40)

    assert best == everything[:40]
    assert any(item.reasons for item in best)
    by_id = {candidate.user_id: candidate for candidate in candidates}
    assert [item.reasons for item in best] == [
        explain(viewer_traits=ME, candidate=by_id[item.user_id], now=NOW) for item in best
    ]
