from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import UserFactory
from profiles.models import BadgeCode, ModerationState, Photo, Profile, ProfileBadge, PromptAnswer
from profiles.tests.factories import (
    LYON,
    PARIS,
    PARIS_MONTMARTRE,
    add_approved_photo,
    make_complete,
)
from profiles.tests.quiz_factories import PromptFactory

pytestmark = pytest.mark.django_db


def url(user_id) -> str:
    return f"/api/v1/profiles/{user_id}"


@pytest.fixture
def viewer(user):
    return make_complete(user, point=PARIS, gender="man", interested_in=["woman"])


def test_public_view_shows_public_facts_and_never_private_ones(auth_client, viewer):
    other = make_complete(
        UserFactory(email="secret@example.com", phone="+14155550123"),
        point=PARIS_MONTMARTRE,
        bio="Hello there",
        religion="Buddhist",
    )

    response = auth_client.get(url(other.pk))

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(other.pk)
    assert body["display_name"] == "Sam"
    assert isinstance(body["age"], int)
    assert body["distance"] == "4 km"
    assert body["details"] == {"religion": "Buddhist"}
    assert len(body["photos"]) == 1
    raw = response.content.decode()
    for secret in ("secret@example.com", "+14155550123", "1995-06-15", "latitude", "longitude"):
        assert secret not in raw
    assert str(other.latitude) not in raw


def test_distance_and_age_follow_the_privacy_switches(auth_client, viewer):
    other = make_complete(point=LYON, show_distance=False, show_age=False)

    body = auth_client.get(url(other.pk)).json()

    assert body["distance"] is None
    assert body["age"] is None


def test_only_approved_ready_photos_are_shown(auth_client, viewer):
    other = make_complete()
    pending = add_approved_photo(other, position=1)
    Photo.objects.filter(pk=pending.pk).update(moderation_state=ModerationState.PENDING)
    processing = add_approved_photo(other, position=2)
    Photo.objects.filter(pk=processing.pk).update(status="processing")

    body = auth_client.get(url(other.pk)).json()

    assert [photo["id"] for photo in body["photos"]] == [
        str(Photo.objects.get(profile=other, position=0).pk)
    ]


def test_prompts_and_badges_are_shown(auth_client, viewer):
    other = make_complete()
    PromptAnswer.objects.create(profile=other, prompt=PromptFactory(), answer="Sunday walks")
    ProfileBadge.objects.create(profile=other, code=BadgeCode.ADVENTURER)

    body = auth_client.get(url(other.pk)).json()

    assert [prompt["answer"] for prompt in body["prompts"]] == ["Sunday walks"]
    assert [badge["code"] for badge in body["badges"]] == ["adventurer"]


@pytest.mark.parametrize(
    "hide",
    [
        lambda profile: Profile.objects.filter(pk=profile.pk).update(is_paused=True),
        lambda profile: Profile.objects.filter(pk=profile.pk).update(is_incognito=True),
        lambda profile: Profile.objects.filter(pk=profile.pk).update(is_complete=False),
        lambda profile: User.objects.filter(pk=profile.pk).update(is_active=False),
        lambda profile: User.objects.filter(pk=profile.pk).update(banned_at=timezone.now()),
        lambda profile: User.objects.filter(pk=profile.pk).update(
            suspended_until=timezone.now() + timedelta(days=1)
        ),
    ],
    ids=["paused", "incognito", "incomplete", "deleted", "banned", "suspended"],
)
def test_hidden_profiles_are_404_like_missing_ones(auth_client, viewer, hide):
    other = make_complete()
    hide(other)

    hidden = auth_client.get(url(other.pk))
    missing = auth_client.get(url("00000000-0000-0000-0000-000000000000"))

    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()


def test_i_can_preview_my_own_public_profile_even_when_paused(auth_client, viewer):
    Profile.objects.filter(pk=viewer.pk).update(is_paused=True)

    response = auth_client.get(url(viewer.pk))

    assert response.status_code == 200
    assert response.json()["distance"] == "< 2 km"


def test_a_malformed_id_is_404(auth_client, viewer):
    assert auth_client.get("/api/v1/profiles/not-a-uuid").status_code == 404


@pytest.mark.parametrize("extra_items", [0, 4])
def test_public_view_query_count_does_not_grow(
    auth_client, viewer, django_assert_num_queries, extra_items
):
    other = make_complete()
    for position in range(1, 1 + min(extra_items, 5)):
        add_approved_photo(other, position=position)
    for _ in range(min(extra_items, 3)):
        PromptAnswer.objects.create(profile=other, prompt=PromptFactory(), answer="An answer")
    for code in list(BadgeCode.values)[:extra_items]:
        ProfileBadge.objects.create(profile=other, code=code)

    User.objects.filter(pk=viewer.pk).update(last_seen_at=timezone.now())  # steady state

    # auth user, profile+user, interests, photos, prompts, badges, viewer's location
    with django_assert_num_queries(7):
        response = auth_client.get(url(other.pk))

    assert response.status_code == 200
