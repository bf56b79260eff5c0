import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.testing import run_in_threads
from discovery.models import Pass, ShortlistEntry
from discovery.shortlist_services import shortlist_add
from profiles.models import Profile
from profiles.tests.factories import PARIS, PARIS_MONTMARTRE, make_complete

URL = "/api/v1/discovery/shortlist"


@pytest.fixture
def viewer(user):
    return make_complete(user, point=PARIS, gender="man", interested_in=["woman"])


def woman(**fields) -> Profile:
    return make_complete(gender="woman", interested_in=["man"], **fields)


@pytest.mark.django_db
def test_saving_is_idempotent_201_then_200_with_one_row(auth_client, viewer):
    other = woman(point=PARIS_MONTMARTRE)

    first = auth_client.post(URL, {"profile_id": str(other.pk)}, format="json")
    second = auth_client.post(URL, {"profile_id": str(other.pk)}, format="json")

    assert first.status_code == 201
    assert second.status_code == 200
    assert first.json()["profile"]["id"] == str(other.pk)
    assert first.json()["profile"]["distance"] == "4 km"
    assert second.json()["saved_at"] == first.json()["saved_at"]
    assert ShortlistEntry.objects.filter(owner=viewer.user).count() == 1


@pytest.mark.django_db
def test_saving_myself_an_unknown_or_hidden_profile_is_404_and_saves_nothing(auth_client, viewer):
    paused = woman(is_paused=True)
    passed = woman()
    Pass.objects.create(actor=viewer.user, target=passed.user)

    for profile_id in (viewer.pk, uuid.uuid4(), paused.pk, passed.pk):
        response = auth_client.post(URL, {"profile_id": str(profile_id)}, format="json")
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    assert not ShortlistEntry.objects.exists()


@pytest.mark.django_db
def test_saving_needs_a_valid_profile_id(auth_client, viewer):
    response = auth_client.post(URL, {"profile_id": "nope"}, format="json")

    assert response.status_code == 400
    assert list(response.json()["extra"]["fields"]) == ["profile_id"]
    assert not ShortlistEntry.objects.exists()


@pytest.mark.django_db
def test_list_is_newest_first_and_leaves_out_hidden_profiles(auth_client, viewer):
    older, newer, hidden = woman(), woman(), woman()
    for profile in (older, newer, hidden):
        auth_client.post(URL, {"profile_id": str(profile.pk)}, format="json")
    ShortlistEntry.objects.filter(target=older.user).update(
        created_at=timezone.now() - timedelta(days=1)
    )
    Profile.objects.filter(pk=hidden.pk).update(is_discoverable=False, is_paused=True)

    response = auth_client.get(URL)

    assert response.status_code == 200
    assert [item["profile"]["id"] for item in response.json()["results"]] == [
        str(newer.pk),
        str(older.pk),
    ]
    assert ShortlistEntry.objects.filter(owner=viewer.user).count() == 3


@pytest.mark.django_db
def test_list_pages_with_a_cursor(auth_client, viewer):
    saved = [woman() for _ in range(3)]
    for profile in saved:
        auth_client.post(URL, {"profile_id": str(profile.pk)}, format="json")

    first = auth_client.get(URL, {"limit": 2}).json()
    second = auth_client.get(first["next"]).json()

    ids = [item["profile"]["id"] for item in first["results"] + second["results"]]
    assert ids == [str(profile.pk) for profile in reversed(saved)]
    assert second["next"] is None


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 5])
def test_list_query_count_does_not_grow_with_the_page(auth_client, viewer, count):
    for _ in range(count):
        ShortlistEntry.objects.create(owner=viewer.user, target=woman().user)
    auth_client.get(URL)

    with CaptureQueriesContext(connection) as queries:
        response = auth_client.get(URL)

    assert len(response.json()["results"]) == count
    # user, own profile, page, profiles, interests, photos, prompts, badges, own location
    assert len(queries) == 9


@pytest.mark.django_db
def test_removing_is_204_then_404_and_touches_only_my_entry(auth_client, viewer):
    other = woman()
    someone = make_complete(gender="man", interested_in=["woman"])
    ShortlistEntry.objects.create(owner=viewer.user, target=other.user)
    theirs = ShortlistEntry.objects.create(owner=someone.user, target=other.user)

    assert auth_client.delete(f"{URL}/{other.pk}").status_code == 204
    again = auth_client.delete(f"{URL}/{other.pk}")

    assert again.status_code == 404
    assert again.json()["code"] == "not_found"
    assert list(ShortlistEntry.objects.values_list("pk", flat=True)) == [theirs.pk]


@pytest.mark.django_db
def test_a_hidden_profile_can_still_be_removed(auth_client, viewer):
    other = woman()
    ShortlistEntry.objects.create(owner=viewer.user, target=other.user)
    Profile.objects.filter(pk=other.pk).update(is_paused=True, is_discoverable=False)

    assert auth_client.delete(f"{URL}/{other.pk}").status_code == 204
    assert not ShortlistEntry.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_saves_leave_one_row(user):
    viewer = make_complete(user, point=PARIS, gender="man", interested_in=["woman"])
    other = woman()

    results = run_in_threads(lambda: shortlist_add(owner=viewer.user, profile_id=other.pk), 2)

    assert sorted(result.created for result in results) == [False, True]
    assert ShortlistEntry.objects.filter(owner=viewer.user, target=other.user).count() == 1
