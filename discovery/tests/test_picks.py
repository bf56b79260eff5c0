from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import UserFactory
from core.redis import get_redis
from discovery.models import Pass
from discovery.picks import local_date_for, picks_cache_key, picks_for
from matching.models import Like
from profiles.compatibility import compare_traits
from profiles.models import Profile
from profiles.tests.factories import LYON, PARIS, PARIS_MONTMARTRE, make_complete

pytestmark = pytest.mark.django_db

URL = "/api/v1/discovery/picks"
MY_TRAITS = [50, 50, 50, 50, 50, 50]


@pytest.fixture
def viewer(user):
    profile = make_complete(user, point=PARIS, gender="man", interested_in=["woman"])
    Profile.objects.filter(pk=profile.pk).update(traits=MY_TRAITS)
    return Profile.objects.get(pk=profile.pk)


def woman(traits, **fields) -> Profile:
    profile = make_complete(gender="woman", interested_in=["man"], **fields)
    Profile.objects.filter(pk=profile.pk).update(traits=traits)
    return Profile.objects.get(pk=profile.pk)


def ids_of(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [item["profile"]["id"] for item in response.json()["results"]]


def test_picks_are_the_most_compatible_first_and_capped(auth_client, viewer, settings):
    settings.KINDRED_PICKS_PER_DAY = 2
    close = woman([50, 50, 50, 50, 50, 55])
    closest = woman(MY_TRAITS, point=PARIS_MONTMARTRE)
    woman([0, 0, 0, 0, 0, 0])

    response = auth_client.get(URL)

    assert ids_of(response) == [str(closest.pk), str(close.pk)]
    body = response.json()
    assert body["date"] == local_date_for(viewer.user).isoformat()
    assert body["results"][0]["compatibility"]["score"] == 100
    assert body["results"][1]["compatibility"] == {
        "score": compare_traits(MY_TRAITS, close.traits).score,
        "reasons": list(compare_traits(MY_TRAITS, close.traits).reasons),
    }
    assert body["results"][0]["profile"]["distance"] == "4 km"


def test_only_people_within_both_distance_wishes_with_traits_are_picked(auth_client, viewer):
    nearby = woman(MY_TRAITS)
    woman(MY_TRAITS, point=LYON)  # beyond my 50 km
    woman(MY_TRAITS, point=PARIS_MONTMARTRE, max_distance_km=2)  # I am beyond her 2 km
    make_complete(gender="woman", interested_in=["man"])  # no quiz yet
    woman(MY_TRAITS, is_paused=True)

    assert ids_of(auth_client.get(URL)) == [str(nearby.pk)]


def test_picks_stay_the_same_all_day_even_when_better_people_join(auth_client, viewer):
    first = woman([60, 50, 50, 50, 50, 50])
    assert ids_of(auth_client.get(URL)) == [str(first.pk)]

    better = woman(MY_TRAITS)

    assert ids_of(auth_client.get(URL)) == [str(first.pk)]
    tomorrow = local_date_for(viewer.user) + timedelta(days=1)
    next_day = picks_for(viewer=viewer.user, day=tomorrow)
    assert [pick.profile.pk for pick in next_day.picks] == [better.pk, first.pk]


def test_someone_passed_after_the_picks_were_made_is_dropped_not_replaced(auth_client, viewer):
    passed = woman(MY_TRAITS)
    kept = woman([55, 50, 50, 50, 50, 50])
    assert ids_of(auth_client.get(URL)) == [str(passed.pk), str(kept.pk)]

    Pass.objects.create(actor=viewer.user, target=passed.user)
    woman(MY_TRAITS)  # new and perfect, but the day's set is fixed

    assert ids_of(auth_client.get(URL)) == [str(kept.pk)]


def test_picks_need_my_quiz_and_store_nothing_without_it(auth_client, viewer):
    woman(MY_TRAITS)
    Profile.objects.filter(pk=viewer.pk).update(traits=None)

    response = auth_client.get(URL)

    assert response.status_code == 409
    assert response.json()["code"] == "quiz_incomplete"
    day = local_date_for(viewer.user)
    assert get_redis().get(picks_cache_key(viewer.pk, day)) is None


def test_the_day_is_the_viewers_own_local_date():
    user = UserFactory.build(time_zone="Pacific/Kiritimati")  # UTC+14
    now = datetime(2026, 1, 1, 11, 0, tzinfo=UTC)

    assert local_date_for(user, now=now).isoformat() == "2026-01-02"
    user.time_zone = "Not/AZone"
    assert local_date_for(user, now=now).isoformat() == "2026-01-01"


def test_no_location_means_no_picks(auth_client, viewer):
    woman(MY_TRAITS)
    Profile.objects.filter(pk=viewer.pk).update(latitude=None, longitude=None, cell=None)

    response = auth_client.get(URL)

    assert response.json()["results"] == []


def test_an_incognito_person_is_picked_only_for_those_they_liked(auth_client, viewer):
    liked_me = woman(MY_TRAITS, is_incognito=True)
    woman(MY_TRAITS, is_incognito=True)  # liked nobody
    Like.objects.create(actor=liked_me.user, target=viewer.user)

    assert ids_of(auth_client.get(URL)) == [str(liked_me.pk)]


@pytest.mark.parametrize("count", [1, 5])
def test_query_count_does_not_grow_with_the_picks(auth_client, viewer, count):
    for _ in range(count):
        woman(MY_TRAITS)
    assert len(ids_of(auth_client.get(URL))) == count  # computes and stores the day's set

    with CaptureQueriesContext(connection) as queries:
        response = auth_client.get(URL)

    assert len(ids_of(response)) == count
    # user, own profile, visible picks, interests, photos, prompts, badges, own location
    assert len(queries) == 8
