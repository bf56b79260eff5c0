import uuid

import pytest

from profiles.compatibility import compare_traits
from profiles.models import Compatibility, Profile
from profiles.tests.factories import PARIS, make_complete

pytestmark = pytest.mark.django_db

MINE = [80, 20, 50, 50, 90, 10]
THEIRS = [75, 40, 50, 10, 90, 100]


def url(user_id) -> str:
    return f"/api/v1/profiles/{user_id}/compatibility"


@pytest.fixture
def viewer(user):
    profile = make_complete(user, point=PARIS, gender="man", interested_in=["woman"])
    Profile.objects.filter(pk=profile.pk).update(traits=MINE)
    return profile


def woman(traits=THEIRS, **fields) -> Profile:
    profile = make_complete(gender="woman", interested_in=["man"], **fields)
    Profile.objects.filter(pk=profile.pk).update(traits=traits)
    return profile


def test_compatibility_gives_score_labels_and_reasons(auth_client, viewer):
    other = woman()
    expected = compare_traits(MINE, THEIRS)

    response = auth_client.get(url(other.pk))

    assert response.status_code == 200
    assert response.json() == {
        "profile_id": str(other.pk),
        "score": expected.score,
        "traits": expected.as_details()["traits"],
        "reasons": list(expected.reasons),
    }
    assert response.json()["traits"]["adventure"] == {"label": "aligned", "difference": 5}
    assert Compatibility.objects.count() == 1


def test_unknown_or_hidden_profiles_are_404(auth_client, viewer):
    paused = woman(is_paused=True)
    incognito = woman(is_incognito=True)

    for user_id in (uuid.uuid4(), paused.pk, incognito.pk):
        response = auth_client.get(url(user_id))
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    assert not Compatibility.objects.exists()


def test_either_side_without_the_quiz_is_409(auth_client, viewer):
    no_quiz = woman(traits=None)
    other = woman()

    response = auth_client.get(url(no_quiz.pk))
    assert response.status_code == 409
    assert response.json()["code"] == "quiz_incomplete"

    Profile.objects.filter(pk=viewer.pk).update(traits=None)
    response = auth_client.get(url(other.pk))
    assert response.status_code == 409
    assert response.json()["code"] == "quiz_incomplete"
    assert not Compatibility.objects.exists()


def test_compatibility_with_myself_is_400(auth_client, viewer):
    response = auth_client.get(url(viewer.pk))

    assert response.status_code == 400
    assert response.json()["code"] == "same_profile"


def test_compatibility_needs_authentication(api_client, viewer):
    assert api_client.get(url(viewer.pk)).status_code == 401
