import json
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from discovery import candidates as retrieval
from discovery.candidates import (
    Candidate,
    candidate_sql,
    fetch_candidates,
    fetch_widening,
    radius_steps,
)
from discovery.cells import cells_covering
from matching.models import Like
from profiles import geo
from profiles.models import Profile
from profiles.tests.factories import PARIS, PARIS_MONTMARTRE, make_complete

pytestmark = pytest.mark.django_db

# Snapped points around PARIS (48.86, 2.35), by distance from it.
ABOUT_3_KM = PARIS_MONTMARTRE  # (48.89, 2.34)
ABOUT_8_KM = (48.93, 2.35)
ABOUT_13_KM = (48.86, 2.53)
ABOUT_30_KM = (49.13, 2.35)


def _viewer(**fields):
    return make_complete(gender="man", interested_in=["woman"], point=PARIS, **fields)


def _woman(point, **fields):
    return make_complete(gender="woman", interested_in=["man"], point=point, **fields)


def _km(point) -> float:
    return geo.distance_km(*geo.snap(*PARIS), *geo.snap(*point))


def test_distance_recheck_drops_a_profile_in_a_covering_cell_but_outside_the_radius():
    viewer = _viewer()
    near = _woman(ABOUT_3_KM)
    same_cell_too_far = _woman((48.81, 2.42))
    assert same_cell_too_far.cell in cells_covering(viewer.latitude, viewer.longitude, 5)
    assert _km((48.81, 2.42)) > 5

    found = fetch_candidates(profile=viewer, radius_km=5, limit=10)

    assert found == [Candidate(user_id=near.pk, distance_km=pytest.approx(_km(ABOUT_3_KM)))]


def test_their_own_maximum_distance_counts_too():
    viewer = _viewer()
    _woman(ABOUT_8_KM, max_distance_km=5)
    fine = _woman(ABOUT_13_KM, max_distance_km=20)

    found = fetch_candidates(profile=viewer, radius_km=20, limit=10)

    assert [candidate.user_id for candidate in found] == [fine.pk]


def test_shared_visibility_filters_apply_such_as_two_way_gender_wishes():
    viewer = _viewer()
    not_into_men = make_complete(gender="woman", interested_in=["woman"], point=ABOUT_3_KM)
    a_man = make_complete(gender="man", interested_in=["man"], point=ABOUT_3_KM)
    fits = _woman(ABOUT_8_KM)

    found = fetch_candidates(profile=viewer, radius_km=20, limit=10)

    assert [candidate.user_id for candidate in found] == [fits.pk]
    assert not_into_men.pk not in [candidate.user_id for candidate in found]
    assert a_man.pk not in [candidate.user_id for candidate in found]


def test_candidates_come_nearest_first_and_stop_at_the_limit():
    viewer = _viewer()
    far = _woman(ABOUT_13_KM)
    near = _woman(ABOUT_3_KM)
    middle = _woman(ABOUT_8_KM)

    assert [c.user_id for c in fetch_candidates(profile=viewer, radius_km=20, limit=10)] == [
        near.pk,
        middle.pk,
        far.pk,
    ]
    assert [c.user_id for c in fetch_candidates(profile=viewer, radius_km=20, limit=2)] == [
        near.pk,
        middle.pk,
    ]


def _full_scan(viewer, radius_km, limit):
    """The reference: one query over the whole radius, sorted by distance then id."""
    sql, params = candidate_sql(profile=viewer, radius_km=radius_km, limit=limit)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return sorted(
        (Candidate(user_id=row[0], distance_km=float(row[1])) for row in rows),
        key=lambda candidate: (candidate.distance_km, candidate.user_id),
    )[:limit]


def _scatter(count, seed=7, spread=0.25):
    """`count` women around PARIS at random snapped points (several share a point, so
    distances tie and the id decides), with mixed maximum distances."""
    generator = random.Random(seed)
    return [
        _woman(
            (PARIS[0] + generator.gauss(0, spread / 2), PARIS[1] + generator.gauss(0, spread / 2)),
            max_distance_km=generator.choice([2, 10, 50, 100]),
        )
        for _ in range(count)
    ]


def test_ring_by_ring_returns_the_same_nearest_list_as_one_full_scan():
    viewer = _viewer()
    _scatter(60)
    within = len(_full_scan(viewer, 25, 1000))
    assert within > 20

    for limit in (1, 5, 12, 25, 200):
        retrieval._density_hints.clear()  # the first retrieval for this person
        with CaptureQueriesContext(connection) as queries:
            found = fetch_candidates(profile=viewer, radius_km=25, limit=limit)

        assert found == _full_scan(viewer, 25, limit), limit
        assert len(found) == min(limit, within)
        if limit > 5:  # the first ring (1.25 km) cannot hold them: rings were widened
            assert len(queries) > 1


def test_the_density_seen_last_time_sizes_the_first_ring():
    viewer = _viewer()
    _scatter(60)
    retrieval._density_hints.clear()

    with CaptureQueriesContext(connection) as first:
        first_found = fetch_candidates(profile=viewer, radius_km=25, limit=12)
    with CaptureQueriesContext(connection) as again:
        found_again = fetch_candidates(profile=viewer, radius_km=25, limit=12)

    assert found_again == first_found == _full_scan(viewer, 25, 12)
    assert len(first) > 1
    assert len(again) < len(first)


def test_a_ring_query_returns_only_what_lies_beyond_the_previous_ring():
    viewer = _viewer()
    near = _woman(ABOUT_3_KM)
    middle = _woman(ABOUT_8_KM)
    far = _woman(ABOUT_13_KM)

    with CaptureQueriesContext(connection) as queries:
        found = fetch_candidates(profile=viewer, radius_km=20, limit=10)

    assert [candidate.user_id for candidate in found] == [near.pk, middle.pk, far.pk]
    returned = []
    for query in queries.captured_queries:
        with connection.cursor() as cursor:
            cursor.execute(query["sql"])
            returned.extend(row[0] for row in cursor.fetchall())
    assert sorted(returned) == sorted([near.pk, middle.pk, far.pk])  # each once


def test_rings_stop_as_soon_as_the_limit_is_reached():
    viewer = _viewer()
    _woman(PARIS)
    _woman(PARIS)
    _woman(ABOUT_13_KM)

    with CaptureQueriesContext(connection) as queries:
        found = fetch_candidates(profile=viewer, radius_km=50, limit=2)

    assert len(found) == 2
    assert len(queries) == 1


def test_a_profile_without_location_cannot_fetch_candidates():
    viewer = _viewer()
    Profile.objects.filter(pk=viewer.pk).update(latitude=None, longitude=None, cell=None)
    viewer.refresh_from_db()

    with pytest.raises(ValueError, match="no location"):
        fetch_candidates(profile=viewer, radius_km=5, limit=10)


def test_radius_steps_stop_at_the_persons_maximum():
    assert radius_steps(50) == [5, 10, 15, 20, 50]
    assert radius_steps(20) == [5, 10, 15, 20]
    assert radius_steps(12) == [5, 10, 12]
    assert radius_steps(3) == [3]


def _widening_reference(viewer, enough, limit):
    """What one full query per radius step gives (the behaviour rings must keep)."""
    radius = viewer.max_distance_km
    candidates: list = []
    for radius in radius_steps(viewer.max_distance_km):
        candidates = _full_scan(viewer, radius, limit)
        if len(candidates) >= enough:
            break
    return radius, candidates


def test_widening_by_rings_gives_the_pool_one_query_per_step_would():
    viewer = _viewer(max_distance_km=100)
    _scatter(70, seed=11, spread=0.4)
    radii = set()

    for enough, limit in ((1, 2), (3, 5), (5, 10), (10, 12), (20, 40), (30, 60), (100, 200)):
        pool = fetch_widening(profile=viewer, enough=enough, limit=limit)

        assert (pool.radius_km, pool.candidates) == _widening_reference(viewer, enough, limit)
        radii.add(pool.radius_km)
    assert len(radii) >= 3  # several steps were decided, not one


def test_the_radius_widens_until_enough_candidates_and_says_which_it_used():
    viewer = _viewer(max_distance_km=50)
    at_3 = _woman(ABOUT_3_KM)
    at_8 = _woman(ABOUT_8_KM)
    at_13 = _woman(ABOUT_13_KM)
    at_30 = _woman(ABOUT_30_KM)

    one = fetch_widening(profile=viewer, enough=1, limit=10)
    two = fetch_widening(profile=viewer, enough=2, limit=10)
    three = fetch_widening(profile=viewer, enough=3, limit=10)
    all_of_them = fetch_widening(profile=viewer, enough=10, limit=10)

    assert (one.radius_km, [c.user_id for c in one.candidates]) == (5, [at_3.pk])
    assert (two.radius_km, [c.user_id for c in two.candidates]) == (10, [at_3.pk, at_8.pk])
    assert three.radius_km == 15
    assert [c.user_id for c in three.candidates] == [at_3.pk, at_8.pk, at_13.pk]
    assert all_of_them.radius_km == 50
    assert [c.user_id for c in all_of_them.candidates] == [at_3.pk, at_8.pk, at_13.pk, at_30.pk]


@pytest.mark.django_db(transaction=True)
def test_a_ring_reads_the_partial_covering_index_only_and_incognito_likers_by_id():
    viewer = _viewer()
    for point in (ABOUT_3_KM, ABOUT_8_KM, ABOUT_13_KM, ABOUT_30_KM) * 5:
        _woman(point)
    for _ in range(40):  # elsewhere (Lyon): rows a walk of the whole table would have to read
        _woman((45.76, 4.84))
    # 5 km: a dozen cells of the 0.05° grid. On a table this small, a list of ~100 cells
    # (20 km) can make a walk of the primary key look cheaper to the planner than ~100
    # probes of the covering index; a large table never does.
    sql, params = candidate_sql(profile=viewer, radius_km=5, limit=200)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE profiles_profile")
        # A table this small is read fastest sequentially; switching that off shows what the
        # planner does with the index once the table is large.
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("SET enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
        cursor.execute("RESET enable_seqscan")
        cursor.execute("RESET enable_bitmapscan")
    plan = plan if isinstance(plan, list) else json.loads(plan)

    scans = list(_nodes(plan[0]["Plan"]))
    on_profiles = [node for node in scans if node.get("Relation Name") == "profiles_profile"]
    assert [(node["Node Type"], node["Index Name"]) for node in on_profiles] == [
        ("Index Only Scan", "profiles_discovery_candidates"),  # the ring
        ("Index Scan", "profiles_profile_pkey"),  # incognito people who liked me, by id
    ]


def _nodes(node):
    yield node
    for child in node.get("Plans", []):
        yield from _nodes(child)


def test_an_incognito_person_who_liked_me_is_a_candidate_in_distance_order():
    viewer = _viewer()
    near = _woman(ABOUT_3_KM)
    liked_me = _woman(ABOUT_8_KM, is_incognito=True)
    hidden = _woman(PARIS, is_incognito=True)  # incognito, liked nobody: never shown
    far = _woman(ABOUT_13_KM)
    liked_me_from_too_far = _woman(ABOUT_30_KM, is_incognito=True)
    for liker in (liked_me, liked_me_from_too_far):
        Like.objects.create(actor=liker.user, target=viewer.user)

    found = fetch_candidates(profile=viewer, radius_km=20, limit=10)
    first_two = fetch_candidates(profile=viewer, radius_km=20, limit=2)
    pool = fetch_widening(profile=viewer, enough=3, limit=10)

    assert [candidate.user_id for candidate in found] == [near.pk, liked_me.pk, far.pk]
    assert found[1].distance_km == pytest.approx(_km(ABOUT_8_KM))
    assert [candidate.user_id for candidate in first_two] == [near.pk, liked_me.pk]
    assert found == _full_scan(viewer, 20, 10)
    assert (pool.radius_km, [c.user_id for c in pool.candidates]) == (
        15,
        [near.pk, liked_me.pk, far.pk],
    )
    assert hidden.pk not in [candidate.user_id for candidate in found]
