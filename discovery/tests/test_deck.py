import json

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from accounts.models import User
from accounts.tests.factories import UserFactory
from core.redis import get_redis
from core.testing import run_in_threads
from discovery import deck_store
from discovery.deck_serializers import DeckOutput, deck_page_body
from discovery.deck_services import _ranking_features, deck_build, deck_invalidate, deck_page
from discovery.models import Exposure, Pass
from discovery.tasks import rebuild_active_decks_task
from matching.models import Like
from profiles.models import ModerationState, Photo, Profile
from profiles.onboarding import age_on
from profiles.tests.factories import PARIS, PARIS_MONTMARTRE, add_approved_photo, make_complete
from profiles.tests.quiz_factories import PromptAnswerFactory

pytestmark = pytest.mark.django_db

DECK_URL = "/api/v1/discovery/deck"
ABOUT_8_KM = (48.93, 2.35)


@pytest.fixture
def viewer(user):
    return make_complete(user=user, gender="man", interested_in=["woman"], point=PARIS)


def _women(count, point=PARIS_MONTMARTRE):
    return [make_complete(gender="woman", interested_in=["man"], point=point) for _ in range(count)]


def _ids(body):
    return [entry["id"] for entry in body["results"]]


def _scheduled_builds(callbacks):
    return [
        (callback.func.__self__.name, callback.args)
        for callback in callbacks
        if getattr(callback, "func", None) is not None
    ]


def test_build_writes_the_ranked_ids_to_redis_with_a_ttl(viewer):
    women = _women(3)

    build = deck_build(user_id=viewer.pk)

    key = deck_store.deck_key(viewer.pk)
    stored = [deck_store._decode(raw).user_id for raw in get_redis().lrange(key, 0, -1)]
    assert (build.size, build.radius_km, build.reason) == (3, 50, None)
    assert sorted(stored) == sorted(woman.pk for woman in women)
    assert 0 < get_redis().ttl(key) <= settings.KINDRED_DECK_TTL_SECONDS
    assert (
        0
        < get_redis().ttl(deck_store.deck_meta_key(viewer.pk))
        <= (settings.KINDRED_DECK_TTL_SECONDS)
    )


def test_the_first_get_builds_the_deck_and_serves_cards(viewer, auth_client):
    (woman,) = _women(1)

    response = auth_client.get(DECK_URL, {"limit": 5})

    assert response.status_code == 200
    body = response.json()
    assert body["radius_km"] == 50
    assert body["reason"] is None
    (card,) = body["results"]
    assert card["id"] == str(woman.pk)
    assert card["display_name"] == "Sam"
    assert card["age"] == age_on(woman.birth_date, timezone.localdate())
    assert card["distance"] == "4 km"
    assert card["is_verified"] is False
    assert card["reasons"][0] == "4 km away"
    assert "New here" in card["reasons"]
    assert len(card["photos"]) == 1
    assert set(card["photos"][0]) == {"id", "blurhash", "width", "height", "urls"}
    assert set(card["photos"][0]["urls"]) == {"small", "medium", "large"}
    assert "latitude" not in card
    assert "longitude" not in card


def test_the_page_body_is_what_the_documented_serializer_gives(viewer):
    make_complete(gender="woman", interested_in=["man"], point=PARIS_MONTMARTRE)
    make_complete(gender="woman", interested_in=["man"], point=PARIS_MONTMARTRE, show_age=False)
    for woman in _women(2):
        add_approved_photo(woman, position=1)
    page = deck_page(user=User.objects.get(pk=viewer.pk), limit=10)
    assert len(page.results) == 4
    empty = deck_page(user=User.objects.get(pk=viewer.pk), limit=10)

    for shown in (page, empty):
        expected = json.loads(JSONRenderer().render(DeckOutput(shown).data))
        assert json.loads(JSONRenderer().render(deck_page_body(shown))) == expected


def test_hidden_age_and_distance_stay_hidden(viewer, auth_client):
    make_complete(
        gender="woman",
        interested_in=["man"],
        point=PARIS_MONTMARTRE,
        show_age=False,
        show_distance=False,
    )

    (card,) = auth_client.get(DECK_URL).json()["results"]

    assert (card["age"], card["distance"]) == (None, None)
    assert not any(reason.endswith(" away") for reason in card["reasons"])


def test_an_incognito_person_who_liked_me_is_in_my_deck_and_nobody_elses(viewer, auth_client):
    liked_me = make_complete(
        gender="woman", interested_in=["man"], point=PARIS_MONTMARTRE, is_incognito=True
    )
    make_complete(gender="woman", interested_in=["man"], point=PARIS, is_incognito=True)
    Like.objects.create(actor=liked_me.user, target=viewer.user)
    other = make_complete(gender="man", interested_in=["woman"], point=PARIS)

    assert _ids(auth_client.get(DECK_URL, {"limit": 10}).json()) == [str(liked_me.pk)]
    assert deck_build(user_id=other.pk).size == 0


def test_pages_never_repeat_a_profile_across_calls(viewer, auth_client):
    women = _women(5)

    pages = [_ids(auth_client.get(DECK_URL, {"limit": 2}).json()) for _ in range(3)]
    last = auth_client.get(DECK_URL, {"limit": 2}).json()

    assert [len(page) for page in pages] == [2, 2, 1]
    assert sorted(entry for page in pages for entry in page) == sorted(
        str(woman.pk) for woman in women
    )
    assert last["results"] == []
    assert last["reason"] == "building"


def test_a_rebuild_never_brings_back_what_was_served(viewer):
    _women(4)
    deck_build(user_id=viewer.pk)
    served = {card.user_id for card in deck_page(user=viewer.user, limit=2).results}

    rebuilt = deck_build(user_id=viewer.pk)
    rest = {card.user_id for card in deck_page(user=viewer.user, limit=10).results}

    assert rebuilt.size == 2
    assert len(rest) == 2
    assert served.isdisjoint(rest)


@pytest.mark.django_db(transaction=True)
def test_concurrent_gets_get_disjoint_pages(viewer):
    _women(8)
    deck_build(user_id=viewer.pk)

    pages = run_in_threads(
        lambda: [c.user_id for c in deck_page(user=viewer.user, limit=3).results], 2
    )

    assert [len(page) for page in pages] == [3, 3]
    assert set(pages[0]).isdisjoint(pages[1])


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_gets_that_both_build_still_get_disjoint_pages(viewer):
    _women(8)

    pages = run_in_threads(
        lambda: [c.user_id for c in deck_page(user=viewer.user, limit=4).results], 2
    )

    assert sorted(len(page) for page in pages) == [4, 4]
    assert set(pages[0]).isdisjoint(pages[1])


def test_a_pass_recorded_after_the_build_drops_that_profile(viewer, auth_client):
    passed, kept = _women(2)
    deck_build(user_id=viewer.pk)
    Pass.objects.create(actor=viewer.user, target=passed.user)

    body = auth_client.get(DECK_URL, {"limit": 10}).json()

    assert _ids(body) == [str(kept.pk)]


def test_a_page_that_lost_entries_is_refilled_from_the_deck(viewer):
    women = _women(4, point=PARIS_MONTMARTRE)
    deck_build(user_id=viewer.pk)
    order = [
        deck_store._decode(raw).user_id
        for raw in get_redis().lrange(deck_store.deck_key(viewer.pk), 0, -1)
    ]
    Pass.objects.create(actor=viewer.user, target_id=order[0])

    page = deck_page(user=viewer.user, limit=2)

    assert [card.user_id for card in page.results] == order[1:3]
    assert len(women) == 4


def test_no_candidates_gives_an_empty_list_with_a_reason(viewer, auth_client):
    response = auth_client.get(DECK_URL)

    assert response.status_code == 200
    assert response.json() == {"results": [], "radius_km": 50, "reason": "no_candidates"}


def test_no_location_gives_an_empty_list_with_a_reason(viewer, auth_client):
    Profile.objects.filter(pk=viewer.pk).update(latitude=None, longitude=None, cell=None)

    assert auth_client.get(DECK_URL).json() == {
        "results": [],
        "radius_km": None,
        "reason": "no_location",
    }


def test_an_incomplete_profile_gives_an_empty_list_with_a_reason(user, auth_client):
    Profile.objects.filter(pk=user.pk).update(latitude=48.86, longitude=2.35, cell=1)

    assert auth_client.get(DECK_URL).json() == {
        "results": [],
        "radius_km": None,
        "reason": "incomplete_profile",
    }


@pytest.mark.parametrize("limit", ["0", "51", "-3", "ten"])
def test_a_limit_outside_1_to_50_is_a_400_with_field_errors(viewer, auth_client, limit):
    _women(1)

    response = auth_client.get(DECK_URL, {"limit": limit})

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert list(body["extra"]["fields"]) == ["limit"]
    assert not get_redis().exists(deck_store.deck_meta_key(viewer.pk))  # nothing was built


def test_the_deck_needs_authentication(api_client):
    assert api_client.get(DECK_URL).status_code == 401


def test_the_read_path_costs_the_same_queries_at_limit_1_and_10(viewer, django_assert_num_queries):
    _women(12)
    deck_build(user_id=viewer.pk)
    # As authentication loads it: the user with the profile in one query.
    user = User.objects.select_related("profile").get(pk=viewer.pk)

    # The recheck that also loads cards and photos, and the exposure upsert.
    with django_assert_num_queries(2):
        one = deck_page(user=user, limit=1)
    with django_assert_num_queries(2):
        ten = deck_page(user=user, limit=10)

    assert (len(one.results), len(ten.results)) == (1, 10)


def test_the_endpoint_costs_the_same_queries_at_limit_1_and_10(viewer, auth_client):
    _women(12)
    deck_build(user_id=viewer.pk)
    auth_client.get(DECK_URL, {"limit": 1})  # last_seen_at is touched once, not per request

    with CaptureQueriesContext(connection) as at_one:
        assert len(auth_client.get(DECK_URL, {"limit": 1}).json()["results"]) == 1
    with CaptureQueriesContext(connection) as at_ten:
        assert len(auth_client.get(DECK_URL, {"limit": 10}).json()["results"]) == 10

    assert len(at_one) == len(at_ten) == 3  # authentication (with the profile) + the two above


def test_serving_increments_the_exposure_counters(viewer):
    first, second = _women(2)
    Exposure.objects.create(user=first.user, shown_count=5, liked_count=1)
    deck_build(user_id=viewer.pk)

    served = deck_page(user=viewer.user, limit=10).results

    assert len(served) == 2
    counts = dict(Exposure.objects.values_list("user_id", "shown_count"))
    assert counts == {first.pk: 6, second.pk: 1}
    assert Exposure.objects.get(user=first.user).liked_count == 1


def test_a_low_deck_schedules_one_rebuild(viewer, django_capture_on_commit_callbacks):
    _women(3)
    deck_build(user_id=viewer.pk)

    with django_capture_on_commit_callbacks() as first:
        deck_page(user=viewer.user, limit=1)
    with django_capture_on_commit_callbacks() as second:
        deck_page(user=viewer.user, limit=1)

    assert _scheduled_builds(first) == [("discovery.build_deck", (str(viewer.pk),))]
    assert _scheduled_builds(second) == []


def test_a_full_deck_schedules_nothing(viewer, django_capture_on_commit_callbacks, settings):
    settings.KINDRED_DECK_LOW_WATERMARK = 2
    _women(5)
    deck_build(user_id=viewer.pk)

    with django_capture_on_commit_callbacks() as callbacks:
        deck_page(user=viewer.user, limit=1)

    assert callbacks == []


def test_invalidate_drops_the_deck_and_schedules_a_rebuild(
    viewer, django_capture_on_commit_callbacks
):
    _women(2)
    deck_build(user_id=viewer.pk)

    with django_capture_on_commit_callbacks() as callbacks:
        deck_invalidate(user_id=viewer.pk)

    assert not get_redis().exists(deck_store.deck_key(viewer.pk))
    assert not get_redis().exists(deck_store.deck_meta_key(viewer.pk))
    assert _scheduled_builds(callbacks) == [("discovery.build_deck", (str(viewer.pk),))]


def test_the_deck_size_caps_the_stored_ids(viewer, settings):
    settings.KINDRED_DECK_SIZE = 2
    _women(1, point=PARIS_MONTMARTRE)
    _women(2, point=ABOUT_8_KM)

    build = deck_build(user_id=viewer.pk)

    assert (build.size, build.radius_km) == (2, 10)
    assert get_redis().llen(deck_store.deck_key(viewer.pk)) == 2


def test_the_beat_job_queues_active_users_with_missing_or_low_decks(viewer):
    User.objects.filter(pk=viewer.pk).update(last_seen_at=timezone.now())
    asleep = make_complete(UserFactory(), gender="man", interested_in=["woman"])
    User.objects.filter(pk=asleep.pk).update(last_seen_at=None)
    # Completing the profiles claimed a rebuild whose task never ran in this test.
    for profile in (viewer, asleep):
        deck_store.deck_release_rebuild(user_id=profile.pk)

    assert rebuild_active_decks_task() == 1
    assert rebuild_active_decks_task() == 0  # already claimed


def test_changing_preferences_or_location_throws_the_deck_away(
    django_capture_on_commit_callbacks,
):
    from discovery.deck_services import deck_build
    from profiles.services import profile_set_location, profile_update

    def remaining(profile) -> int | None:
        return deck_store.deck_remaining(user_ids=[profile.pk])[profile.pk]

    viewer = make_complete(gender="man", interested_in=["woman"])
    make_complete(gender="woman", interested_in=["man"])
    deck_build(user_id=viewer.pk)
    assert remaining(viewer) == 1

    with django_capture_on_commit_callbacks() as callbacks:
        profile_update(user=viewer.user, data={"max_distance_km": 10})
    assert remaining(viewer) is None
    assert callbacks  # a rebuild is scheduled

    deck_build(user_id=viewer.pk)
    profile_update(user=viewer.user, data={"bio": "New bio"})
    assert remaining(viewer) == 1  # not a deck input

    profile_set_location(user=viewer.user, latitude=48.87, longitude=2.36)
    assert remaining(viewer) is None


def test_ranking_features_come_in_one_query_for_the_whole_pool(viewer):
    full = make_complete(
        gender="woman",
        interested_in=["man"],
        bio="Hello",
        relationship_intent="long_term",
        height_cm=170,
        languages=["fr"],
    )
    add_approved_photo(full, position=1)
    pending = add_approved_photo(full, position=2)
    Photo.objects.filter(pk=pending.pk).update(moderation_state=ModerationState.PENDING)
    PromptAnswerFactory(profile=full)
    PromptAnswerFactory(profile=full)
    Exposure.objects.create(user=full.user, shown_count=7, liked_count=2)
    seen = timezone.now().replace(microsecond=0)
    User.objects.filter(pk=full.pk).update(last_seen_at=seen)
    bare = make_complete(gender="woman", interested_in=["man"])
    User.objects.filter(pk=bare.pk).update(last_seen_at=None)

    with CaptureQueriesContext(connection) as queries:
        features = {row.user_id: row for row in _ranking_features({full.pk: 3.0, bare.pk: 9.5})}

    assert len(queries) == 1
    rich, plain = features[full.pk], features[bare.pk]
    assert (rich.distance_km, rich.shown_count, rich.liked_count) == (3.0, 7, 2)
    assert rich.last_seen_at == seen.timestamp()
    assert rich.created_at == full.created_at.timestamp()
    # bio, intent, height, languages, prompts and two public photos of three; no quiz
    assert rich.completeness == pytest.approx((5 + 2 / 3) / 7)
    assert (plain.distance_km, plain.shown_count, plain.liked_count) == (9.5, 0, 0)
    assert plain.last_seen_at is None
    assert plain.completeness == pytest.approx((1 / 3) / 7)
