from datetime import date, timedelta

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from profiles.models import Interest, Profile
from profiles.tests.factories import LYON, PARIS, add_approved_photo, make_complete

pytestmark = pytest.mark.django_db

PROFILE = "/api/v1/profile"
LOCATION = "/api/v1/profile/location"


def steps_of(body: dict) -> dict[str, bool]:
    return {step["name"]: step["is_done"] for step in body["onboarding"]["steps"]}


def test_every_account_gets_an_empty_profile(api_client):
    response = api_client.post(
        "/api/v1/auth/signup", {"email": "new@example.com", "password": "lovelace-1815"}
    )

    user_id = response.json()["user"]["id"]
    profile = Profile.objects.get(pk=user_id)
    assert profile.display_name == ""
    assert profile.is_complete is False


def test_new_profile_shows_onboarding_with_nothing_done(auth_client):
    body = auth_client.get(PROFILE).json()

    assert body["onboarding"]["completion_percent"] == 0
    assert body["onboarding"]["is_complete"] is False
    assert body["is_discoverable"] is False
    required = [step["name"] for step in body["onboarding"]["steps"] if step["is_required"]]
    assert required == ["basics", "photos", "preferences", "location"]


def test_patch_basics_and_preferences(auth_client, user):
    Interest.objects.create(slug="test-hiking", name="Hiking")
    response = auth_client.patch(
        PROFILE,
        {
            "display_name": "  Ada  ",
            "birth_date": "1990-12-10",
            "gender": "woman",
            "interested_in": ["man", "nonbinary", "man"],
            "age_min": 30,
            "age_max": 45,
            "max_distance_km": 25,
            "bio": "Mathematician.",
            "interests": ["test-hiking"],
            "languages": ["en", "fr"],
            "religion": "None",
            "marital_status": "never_married",
        },
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["display_name"] == "Ada"
    assert body["interested_in"] == ["man", "nonbinary"]
    assert body["interests"] == [{"slug": "test-hiking", "name": "Hiking", "category": ""}]
    assert body["age"] >= 35
    done = steps_of(body)
    assert done["basics"] is True
    assert done["preferences"] is True
    assert done["about"] is True
    assert done["matrimony"] is True
    assert done["photos"] is False
    assert body["onboarding"]["completion_percent"] == 50


def test_under_18_is_refused_and_nothing_changes(auth_client, user):
    seventeen = timezone.localdate() - timedelta(days=17 * 365)

    response = auth_client.patch(
        PROFILE, {"display_name": "Kid", "birth_date": seventeen.isoformat()}
    )

    assert response.status_code == 400
    assert response.json()["extra"]["fields"]["birth_date"]
    profile = Profile.objects.get(pk=user.pk)
    assert profile.display_name == ""
    assert profile.birth_date is None


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"age_min": 17}, "age_min"),
        ({"age_max": 101}, "age_max"),
        ({"max_distance_km": 0}, "max_distance_km"),
        ({"gender": "robot"}, "gender"),
        ({"interested_in": ["woman", "cat"]}, "interested_in"),
        ({"bio": "x" * 501}, "bio"),
        ({"height_cm": 20}, "height_cm"),
        ({"interests": ["no-such-interest"]}, "interests"),
        ({"languages": ["xx"]}, "languages"),
        ({"display_name": "   "}, "display_name"),
        ({"display_name": "bad\x00name"}, "display_name"),
        ({"birth_date": "not-a-date"}, "birth_date"),
        ({"birth_date": (date.today() + timedelta(days=3)).isoformat()}, "birth_date"),
    ],
)
def test_invalid_fields_are_refused_with_field_errors(auth_client, payload, field):
    response = auth_client.patch(PROFILE, payload)

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert list(response.json()["extra"]["fields"]) == [field]


def test_age_range_must_stay_ordered_against_stored_values(auth_client, user):
    auth_client.patch(PROFILE, {"age_min": 30, "age_max": 40})

    response = auth_client.patch(PROFILE, {"age_min": 41})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_age_range"
    assert Profile.objects.get(pk=user.pk).age_min == 30


def test_profile_becomes_complete_with_basics_photo_preferences_location(auth_client, user):
    auth_client.patch(
        PROFILE,
        {
            "display_name": "Ada",
            "birth_date": "1990-12-10",
            "gender": "woman",
            "interested_in": ["man"],
        },
    )
    auth_client.put(LOCATION, {"latitude": PARIS[0], "longitude": PARIS[1]})
    assert Profile.objects.get(pk=user.pk).is_complete is False

    add_approved_photo(Profile.objects.get(pk=user.pk))
    body = auth_client.patch(PROFILE, {"bio": "Hello"}).json()

    assert body["onboarding"]["is_complete"] is True
    assert body["is_discoverable"] is True
    assert Profile.objects.get(pk=user.pk).is_complete is True


def test_pausing_hides_without_losing_completion(auth_client, user):
    make_complete(user)

    body = auth_client.patch(PROFILE, {"is_paused": True}).json()

    assert body["onboarding"]["is_complete"] is True
    assert body["is_discoverable"] is False


def test_own_profile_query_count_is_fixed(auth_client, user, django_assert_max_num_queries):
    make_complete(user)
    for slug in ("a", "b", "c"):
        Profile.objects.get(pk=user.pk).interests.add(Interest.objects.create(slug=slug, name=slug))

    with django_assert_max_num_queries(8):
        response = auth_client.get(PROFILE)

    assert response.status_code == 200


# --- location ------------------------------------------------------------------------------


def test_location_is_stored_snapped_with_its_cell(auth_client, user):
    response = auth_client.put(
        LOCATION, {"latitude": 48.85661, "longitude": 2.35222, "city": "Paris"}
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["latitude"], body["longitude"], body["city"]) == (48.86, 2.35, "Paris")
    profile = Profile.objects.get(pk=user.pk)
    assert (profile.latitude, profile.longitude) == (48.86, 2.35)
    assert profile.cell is not None


@pytest.mark.parametrize(
    "payload",
    [
        {"latitude": 91, "longitude": 0},
        {"latitude": 0, "longitude": -181},
        {"latitude": "NaN", "longitude": 0},
        {"latitude": 10},
        {"latitude": "north", "longitude": 0},
    ],
)
def test_invalid_locations_are_refused(auth_client, user, payload):
    response = auth_client.put(LOCATION, payload)

    assert response.status_code == 400
    assert Profile.objects.get(pk=user.pk).cell is None


def test_impossible_travel_is_refused(auth_client, user):
    auth_client.put(LOCATION, {"latitude": PARIS[0], "longitude": PARIS[1]})

    response = auth_client.put(LOCATION, {"latitude": 40.7128, "longitude": -74.006})

    assert response.status_code == 400
    assert response.json()["code"] == "impossible_travel"
    assert Profile.objects.get(pk=user.pk).latitude == 48.86


def test_a_long_trip_after_enough_time_is_accepted(auth_client, user):
    auth_client.put(LOCATION, {"latitude": PARIS[0], "longitude": PARIS[1]})
    Profile.objects.filter(pk=user.pk).update(
        location_updated_at=timezone.now() - timedelta(hours=2)
    )

    response = auth_client.put(LOCATION, {"latitude": LYON[0], "longitude": LYON[1]})

    assert response.status_code == 200


def test_short_hops_are_always_accepted(auth_client):
    auth_client.put(LOCATION, {"latitude": PARIS[0], "longitude": PARIS[1]})

    response = auth_client.put(LOCATION, {"latitude": 48.9, "longitude": 2.4})

    assert response.status_code == 200


def test_location_updates_are_rate_limited(auth_client, user, settings):
    settings.KINDRED_THROTTLES = {**settings.KINDRED_THROTTLES, "location_user": "2/3600"}

    statuses = [
        auth_client.put(LOCATION, {"latitude": PARIS[0], "longitude": PARIS[1]}).status_code
        for _ in range(3)
    ]

    assert statuses == [200, 200, 429]


def test_profile_endpoints_require_authentication(api_client):
    assert api_client.get(PROFILE).status_code == 401
    assert api_client.put(LOCATION, {"latitude": 1, "longitude": 1}).status_code == 401


def test_another_users_profile_is_untouched_by_my_patch(auth_client, user):
    other = UserFactory()

    auth_client.patch(PROFILE, {"display_name": "Me"})

    assert Profile.objects.get(pk=other.pk).display_name == ""


def test_discoverable_follows_completion_pause_and_account_standing(auth_client, user):
    profile = make_complete(user)
    assert profile.is_discoverable is True

    auth_client.patch(PROFILE, {"is_paused": True})
    assert Profile.objects.get(pk=user.pk).is_discoverable is False
    auth_client.patch(PROFILE, {"is_paused": False})
    assert Profile.objects.get(pk=user.pk).is_discoverable is True

    user.refresh_from_db()
    user.suspended_until = timezone.now() + timedelta(days=2)
    user.save()
    assert Profile.objects.get(pk=user.pk).is_discoverable is False
    user.suspended_until = None
    user.is_active = False
    user.save()
    assert Profile.objects.get(pk=user.pk).is_discoverable is False
