from datetime import date, timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from discovery.models import Pass
from matching.models import Like
from profiles.models import Photo, Profile
from profiles.tests.factories import LYON, PARIS, PARIS_MONTMARTRE, make_complete

pytestmark = pytest.mark.django_db

URL = "/api/v1/discovery/search"


def born_aged(years: int) -> date:
    """A birth date that makes someone `years` old today, well clear of the birthday."""
    today = timezone.localdate()
    return today.replace(year=today.year - years) - timedelta(days=40)


@pytest.fixture
def viewer(user):
    return make_complete(user, point=PARIS, gender="man", interested_in=["woman"])


def ids_of(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [card["id"] for card in response.json()["results"]]


def woman(**fields) -> Profile:
    return make_complete(gender="woman", interested_in=["man"], **fields)


@pytest.mark.parametrize(
    ("params", "matching", "other"),
    [
        (
            {"age_min": 30, "age_max": 35},
            {"birth_date": born_aged(32)},
            {"birth_date": born_aged(28)},
        ),
        ({"age_min": 30}, {"birth_date": born_aged(30)}, {"birth_date": born_aged(29)}),
        ({"age_max": 29}, {"birth_date": born_aged(29)}, {"birth_date": born_aged(30)}),
        ({"height_min": 160, "height_max": 170}, {"height_cm": 165}, {"height_cm": 175}),
        ({"height_min": 170}, {"height_cm": 170}, {"height_cm": None}),
        ({"religion": "hindu"}, {"religion": "Hindu"}, {"religion": "Christian"}),
        ({"community": "Iyer"}, {"community": "Iyer"}, {"community": ""}),
        ({"mother_tongue": "ta"}, {"mother_tongue": "ta"}, {"mother_tongue": "hi"}),
        ({"education": "masters"}, {"education": "masters"}, {"education": "bachelors"}),
        ({"income_band": "middle"}, {"income_band": "middle"}, {"income_band": "high"}),
        (
            {"marital_status": "never_married"},
            {"marital_status": "never_married"},
            {"marital_status": "divorced"},
        ),
        ({"verified": "true"}, {"is_verified": True}, {"is_verified": False}),
        ({"max_distance_km": 10}, {"point": PARIS_MONTMARTRE}, {"point": LYON}),
    ],
)
def test_each_filter_keeps_only_matching_profiles(auth_client, viewer, params, matching, other):
    match = woman(**matching)
    woman(**other)

    assert ids_of(auth_client.get(URL, params)) == [str(match.pk)]


def test_list_filters_match_any_of_the_repeated_values(auth_client, viewer):
    hindu = woman(religion="Hindu")
    jain = woman(religion="Jain")
    woman(religion="Christian")

    ids = ids_of(auth_client.get(f"{URL}?religion=Hindu&religion=jain&sort=newest"))

    assert set(ids) == {str(hindu.pk), str(jain.pk)}


def test_has_photos_leaves_out_profiles_without_an_approved_photo(auth_client, viewer):
    with_photo = woman()
    without = woman()
    Photo.objects.filter(profile=without).update(moderation_state="rejected")

    assert ids_of(auth_client.get(URL, {"has_photos": "true"})) == [str(with_photo.pk)]
    assert set(ids_of(auth_client.get(URL))) == {str(with_photo.pk), str(without.pk)}


def test_hidden_profiles_never_appear(auth_client, viewer):
    visible = woman()
    woman(is_paused=True)
    woman(is_incognito=True)
    passed = woman()
    Pass.objects.create(actor=viewer.user, target=passed.user)
    make_complete(gender="woman", interested_in=["woman"])  # not interested in men

    assert ids_of(auth_client.get(URL)) == [str(visible.pk)]


def test_incognito_people_appear_only_to_those_they_liked(auth_client, viewer):
    liked_me = woman(is_incognito=True)
    woman(is_incognito=True)  # liked nobody
    Like.objects.create(actor=liked_me.user, target=viewer.user)

    assert ids_of(auth_client.get(URL)) == [str(liked_me.pk)]
    assert ids_of(auth_client.get(URL, {"max_distance_km": 20})) == [str(liked_me.pk)]


def test_results_show_distance_buckets_and_never_coordinates_or_birth_dates(auth_client, viewer):
    other = woman(point=PARIS_MONTMARTRE, birth_date=date(1994, 3, 9))

    response = auth_client.get(URL)

    assert ids_of(response) == [str(other.pk)]
    assert response.json()["results"][0]["distance"] == "4 km"
    raw = response.content.decode()
    for secret in ("latitude", "longitude", "birth_date", "1994-03-09", str(other.latitude)):
        assert secret not in raw


def test_default_sort_is_by_distance_bucket_then_id(auth_client, viewer):
    lyon = woman(point=LYON)
    near = sorted([woman(point=PARIS), woman(point=PARIS)], key=lambda profile: profile.pk)
    montmartre = woman(point=PARIS_MONTMARTRE)

    expected = [str(near[0].pk), str(near[1].pk), str(montmartre.pk), str(lyon.pk)]
    assert ids_of(auth_client.get(URL)) == expected
    assert ids_of(auth_client.get(URL, {"sort": "distance"})) == expected


def test_age_sorts_by_whole_years_then_id(auth_client, viewer):
    young = woman(birth_date=born_aged(24))
    middle = woman(birth_date=born_aged(30))
    old = woman(birth_date=born_aged(41))

    assert ids_of(auth_client.get(URL, {"sort": "age"})) == [
        str(young.pk),
        str(middle.pk),
        str(old.pk),
    ]
    assert ids_of(auth_client.get(URL, {"sort": "-age"})) == [
        str(old.pk),
        str(middle.pk),
        str(young.pk),
    ]


def test_newest_sort_puts_recent_sign_ups_first(auth_client, viewer):
    first = woman()
    second = woman()
    Profile.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(days=3))

    assert ids_of(auth_client.get(URL, {"sort": "newest"})) == [str(second.pk), str(first.pk)]


@pytest.mark.parametrize("sort", ["distance", "newest", "age", "-age"])
def test_cursor_pagination_walks_every_result_once(auth_client, viewer, sort):
    points = [PARIS, PARIS_MONTMARTRE, LYON]
    created = {
        str(woman(point=points[index % 3], birth_date=born_aged(25 + index % 2)).pk)
        for index in range(7)
    }
    everything = ids_of(auth_client.get(URL, {"sort": sort, "limit": 50}))

    seen: list[str] = []
    response = auth_client.get(URL, {"sort": sort, "limit": 3})
    pages = 0
    while True:
        seen += ids_of(response)
        pages += 1
        next_url = response.json()["next"]
        if next_url is None:
            break
        cursor = parse_qs(urlparse(next_url).query)["cursor"][0]
        response = auth_client.get(URL, {"sort": sort, "limit": 3, "cursor": cursor})

    assert pages == 3
    assert seen == everything
    assert set(seen) == created
    assert response.json()["previous"] is None


def test_a_cursor_from_another_sort_or_forged_is_refused(auth_client, viewer):
    for _ in range(3):
        woman()
    next_url = auth_client.get(URL, {"sort": "age", "limit": 1}).json()["next"]
    cursor = parse_qs(urlparse(next_url).query)["cursor"][0]

    for params in ({"sort": "newest", "cursor": cursor}, {"cursor": "garbage"}):
        response = auth_client.get(URL, params)
        assert response.status_code == 400
        assert response.json()["code"] == "validation_error"
        assert list(response.json()["extra"]["fields"]) == ["cursor"]


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({"age_min": 40, "age_max": 30}, ["age_min"]),
        ({"height_min": 180, "height_max": 170}, ["height_min"]),
        ({"age_min": 17}, ["age_min"]),
        ({"height_max": 300}, ["height_max"]),
        ({"max_distance_km": 0}, ["max_distance_km"]),
        ({"limit": 51}, ["limit"]),
        ({"limit": 0}, ["limit"]),
        ({"sort": "salary"}, ["sort"]),
        ({"education": "phd"}, ["education"]),
        ({"verified": "maybe"}, ["verified"]),
        ({"salary": "high", "caste": "x"}, ["caste", "salary"]),
    ],
)
def test_bad_input_is_a_400_naming_the_fields(auth_client, viewer, params, fields):
    response = auth_client.get(URL, params)

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert sorted(body["extra"]["fields"]) == fields


def test_distance_needs_a_location_of_ones_own(auth_client, viewer):
    woman()
    Profile.objects.filter(pk=viewer.pk).update(latitude=None, longitude=None, cell=None)

    response = auth_client.get(URL, {"max_distance_km": 10})

    assert response.status_code == 400
    assert response.json()["code"] == "location_required"
    assert auth_client.get(URL, {"sort": "distance"}).status_code == 400
    # Without a location the default sort is `newest`.
    assert len(ids_of(auth_client.get(URL))) == 1


def test_search_needs_authentication(api_client, db):
    assert api_client.get(URL).status_code == 401


@pytest.mark.parametrize("count", [1, 5])
def test_query_count_does_not_grow_with_the_page(auth_client, viewer, count):
    for _ in range(count):
        woman()
    auth_client.get(URL)  # warm up the last-seen touch

    with CaptureQueriesContext(connection) as queries:
        response = auth_client.get(URL, {"max_distance_km": 20, "has_photos": "true"})

    assert len(ids_of(response)) == count
    # user, own profile, the page, interests, photos, prompts, badges, own location
    assert len(queries) == 8
