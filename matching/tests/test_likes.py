import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from accounts.models import User
from core.exceptions import NotFound, ValidationFailed
from core.redis import get_redis
from discovery.models import Exposure
from matching.models import Like, LikeQuota, Match, MatchState
from matching.services import like_create
from matching.tasks import LIKE_NOTIFICATIONS
from matching.tests.conftest import client_for
from matching.tests.factories import make_match, person, set_quota
from moderation.models import Block
from profiles.models import ModerationState, Photo, Profile, Prompt, PromptAnswer
from profiles.tests.factories import add_approved_photo

pytestmark = pytest.mark.django_db

LIKES = "/api/v1/matching/likes"


def like_count() -> int:
    return Like.objects.count()


def quota_of(user: User) -> tuple[int, int]:
    row = LikeQuota.objects.get(pk=user.pk)
    return row.day_count, row.total_count


def test_a_like_answers_201_with_the_like_and_no_match(me, auth_client, make_person):
    target = make_person()
    photo = Photo.objects.get(profile_id=target.pk)

    response = auth_client.post(
        LIKES, {"target_id": str(target.pk), "comment": "  Love this  ", "photo_id": str(photo.pk)}
    )

    assert response.status_code == 201, response.json()
    like = Like.objects.get()
    assert response.json() == {
        "like": {
            "id": str(like.pk),
            "target_id": str(target.pk),
            "comment": "Love this",
            "photo_id": str(photo.pk),
            "prompt_id": None,
            "created_at": like.created_at.isoformat().replace("+00:00", "Z"),
        },
        "match": None,
    }
    assert (like.actor_id, like.target_id, like.photo_id) == (me.pk, target.pk, photo.pk)
    assert quota_of(me) == (1, 6)


def test_liking_again_returns_the_same_like_and_counts_nothing(me, auth_client, make_person):
    target = make_person()
    first = auth_client.post(LIKES, {"target_id": str(target.pk), "comment": "Hi"})

    again = auth_client.post(LIKES, {"target_id": str(target.pk), "comment": "Other words"})

    assert again.status_code == 200
    assert again.json()["like"] == first.json()["like"]
    assert like_count() == 1
    assert quota_of(me) == (1, 6)
    assert Exposure.objects.get(pk=target.pk).liked_count == 1


def test_liking_myself_is_refused_and_records_nothing(me, auth_client):
    response = auth_client.post(LIKES, {"target_id": str(me.pk)})

    assert response.status_code == 400
    assert response.json()["code"] == "cannot_like_self"
    assert like_count() == 0
    assert quota_of(me) == (0, 5)


@pytest.mark.parametrize("direction", ["i_blocked", "they_blocked"])
def test_liking_across_a_block_is_404_like_an_unknown_profile(
    me, auth_client, make_person, direction, django_capture_on_commit_callbacks
):
    target = make_person()
    blocker, blocked = (me, target) if direction == "i_blocked" else (target, me)
    Block.objects.create(blocker=blocker, blocked=blocked)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = auth_client.post(LIKES, {"target_id": str(target.pk), "comment": "Hi"})
    unknown = auth_client.post(LIKES, {"target_id": str(uuid.uuid4()), "comment": "Hi"})

    assert response.status_code == 404
    assert response.json() == unknown.json()
    assert like_count() == 0
    assert quota_of(me) == (0, 5)
    assert callbacks == []
    assert not Exposure.objects.filter(pk=target.pk).exists()


@pytest.mark.parametrize(
    "hide",
    ["paused", "incomplete", "banned", "suspended", "inactive", "incognito"],
)
def test_liking_a_profile_i_may_not_see_is_404(me, auth_client, make_person, hide):
    target = make_person()
    now = timezone.now()
    if hide == "paused":
        Profile.objects.filter(pk=target.pk).update(is_paused=True, is_discoverable=False)
    elif hide == "incomplete":
        Profile.objects.filter(pk=target.pk).update(is_complete=False, is_discoverable=False)
    elif hide == "banned":
        User.objects.filter(pk=target.pk).update(banned_at=now)
    elif hide == "suspended":
        User.objects.filter(pk=target.pk).update(suspended_until=now + timedelta(days=1))
    elif hide == "inactive":
        User.objects.filter(pk=target.pk).update(is_active=False)
    else:
        Profile.objects.filter(pk=target.pk).update(is_incognito=True)

    response = auth_client.post(LIKES, {"target_id": str(target.pk)})

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert like_count() == 0
    assert quota_of(me) == (0, 5)


def test_an_incognito_person_who_liked_me_can_be_liked_back(me, auth_client, make_person):
    target = make_person()
    Profile.objects.filter(pk=target.pk).update(is_incognito=True)
    Like.objects.create(actor=target, target=me, comment="Hey")

    response = auth_client.post(LIKES, {"target_id": str(target.pk)})

    assert response.status_code == 201
    assert response.json()["match"]["user"]["id"] == str(target.pk)


def test_liking_someone_i_am_matched_with_is_409(me, auth_client, make_person):
    target = make_person()
    match = make_match(me, target)
    Like.objects.filter(actor=me).delete()  # a like that went missing: the match still counts

    response = auth_client.post(LIKES, {"target_id": str(target.pk)})

    assert response.status_code == 409
    assert response.json()["code"] == "already_matched"
    assert response.json()["extra"] == {"match_id": str(match.pk)}
    assert not Like.objects.filter(actor=me).exists()
    assert quota_of(me) == (0, 5)


@pytest.mark.parametrize("state", [MatchState.UNMATCHED, MatchState.DELETED])
def test_liking_someone_after_the_match_ended_is_404(me, auth_client, make_person, state):
    target = make_person()
    make_match(me, target, state=state)
    Like.objects.filter(actor=me).delete()

    response = auth_client.post(LIKES, {"target_id": str(target.pk)})

    assert response.status_code == 404
    assert not Like.objects.filter(actor=me).exists()


def test_the_liked_photo_and_prompt_must_be_the_targets_and_visible(me, auth_client, make_person):
    target, other = make_person(), make_person()
    others_photo = Photo.objects.get(profile_id=other.pk)
    rejected = add_approved_photo(Profile.objects.get(pk=target.pk), position=1)
    Photo.objects.filter(pk=rejected.pk).update(moderation_state=ModerationState.REJECTED)
    prompt = Prompt.objects.create(text="A test prompt for likes")
    others_answer = PromptAnswer.objects.create(profile_id=other.pk, prompt=prompt, answer="x")
    answer = PromptAnswer.objects.create(profile_id=target.pk, prompt=prompt, answer="Sunday")

    bad_photo = auth_client.post(
        LIKES, {"target_id": str(target.pk), "photo_id": str(others_photo.pk)}
    )
    hidden_photo = auth_client.post(
        LIKES, {"target_id": str(target.pk), "photo_id": str(rejected.pk)}
    )
    bad_prompt = auth_client.post(
        LIKES, {"target_id": str(target.pk), "prompt_id": str(others_answer.pk)}
    )
    both = auth_client.post(
        LIKES,
        {"target_id": str(target.pk), "photo_id": str(rejected.pk), "prompt_id": str(answer.pk)},
    )

    assert [r.status_code for r in (bad_photo, hidden_photo, bad_prompt, both)] == [400] * 4
    assert bad_photo.json()["code"] == hidden_photo.json()["code"] == "invalid_photo"
    assert bad_prompt.json()["code"] == "invalid_prompt"
    assert both.json()["code"] == "validation_error"
    assert like_count() == 0
    assert quota_of(me) == (0, 5)

    good = auth_client.post(LIKES, {"target_id": str(target.pk), "prompt_id": str(answer.pk)})
    assert good.status_code == 201
    assert Like.objects.get().prompt_id == answer.pk


@pytest.mark.parametrize(
    "body",
    [
        {"target_id": "not-a-uuid"},
        {},
        {"target_id": str(uuid.UUID(int=1)), "comment": "x" * 301},
        {"target_id": str(uuid.UUID(int=1)), "photo_id": "nope"},
    ],
)
def test_bad_input_is_400_with_fields(me, auth_client, body):
    response = auth_client.post(LIKES, body)

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert response.json()["extra"]["fields"]
    assert like_count() == 0


def test_the_first_five_likes_need_a_comment(user, auth_client, make_person):
    person(user)
    targets = [make_person() for _ in range(7)]

    missing = auth_client.post(LIKES, {"target_id": str(targets[0].pk), "comment": "   "})
    assert missing.status_code == 400
    assert missing.json()["code"] == "comment_required"
    assert like_count() == 0
    assert not LikeQuota.objects.filter(pk=user.pk).exists()

    for number, target in enumerate(targets[:5]):
        comment = f"Hello number {number}!"
        response = auth_client.post(LIKES, {"target_id": str(target.pk), "comment": comment})
        assert response.status_code == 201

    sixth = auth_client.post(LIKES, {"target_id": str(targets[5].pk)})
    assert sixth.status_code == 201
    assert like_count() == 6


def test_the_daily_limit_is_429_with_retry_after_and_my_local_reset(
    me, auth_client, make_person, settings
):
    User.objects.filter(pk=me.pk).update(time_zone="Asia/Tokyo")
    tokyo = ZoneInfo("Asia/Tokyo")
    local_today = timezone.now().astimezone(tokyo).date()
    set_quota(me, day=local_today, day_count=settings.KINDRED_LIKES_PER_DAY, total_count=40)
    target = make_person()

    response = auth_client.post(LIKES, {"target_id": str(target.pk)})

    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "daily_like_limit"
    reset = datetime.fromisoformat(body["extra"]["resets_at"])
    assert reset == datetime.combine(local_today + timedelta(days=1), datetime.min.time(), tokyo)
    retry_after = int(response.headers["Retry-After"])
    assert abs(retry_after - (reset - timezone.now()).total_seconds()) < 5
    assert body["extra"]["retry_after"] == retry_after
    assert body["extra"]["limit"] == settings.KINDRED_LIKES_PER_DAY
    assert like_count() == 0
    assert quota_of(me) == (settings.KINDRED_LIKES_PER_DAY, 40)


def test_the_daily_count_starts_again_on_my_next_local_day(me, auth_client, make_person, settings):
    yesterday = timezone.now().date() - timedelta(days=1)
    set_quota(me, day=yesterday, day_count=settings.KINDRED_LIKES_PER_DAY, total_count=40)

    response = auth_client.post(LIKES, {"target_id": str(make_person().pk)})

    assert response.status_code == 201
    assert quota_of(me) == (1, 41)


def test_ten_likes_a_day_then_refused(me, auth_client, make_person, settings):
    statuses = [
        auth_client.post(LIKES, {"target_id": str(make_person().pk)}).status_code
        for _ in range(settings.KINDRED_LIKES_PER_DAY + 1)
    ]

    assert statuses == [201] * settings.KINDRED_LIKES_PER_DAY + [429]
    assert like_count() == settings.KINDRED_LIKES_PER_DAY


@pytest.mark.parametrize("state", ["paused", "incomplete"])
def test_my_own_profile_must_be_discoverable_to_like(me, make_person, state):
    fields = {"is_paused": True} if state == "paused" else {"is_complete": False}
    Profile.objects.filter(pk=me.pk).update(is_discoverable=False, **fields)
    client = client_for(me)

    response = client.post(LIKES, {"target_id": str(make_person().pk)})

    assert response.status_code == 409
    assert response.json()["code"] == "profile_not_discoverable"
    assert response.json()["extra"] == {"reason": state}
    assert like_count() == 0


def test_a_like_moves_the_fairness_counter_creating_its_row(me, auth_client, make_person):
    fresh, shown = make_person(), make_person()
    Exposure.objects.create(user=shown, shown_count=7, liked_count=2)

    auth_client.post(LIKES, {"target_id": str(fresh.pk)})
    auth_client.post(LIKES, {"target_id": str(shown.pk)})

    counts = dict(Exposure.objects.values_list("user_id", "liked_count"))
    assert counts == {fresh.pk: 1, shown.pk: 3}
    assert Exposure.objects.get(pk=shown.pk).shown_count == 7


def test_a_like_schedules_the_event_and_notification_after_commit(
    me, make_person, django_capture_on_commit_callbacks, inbox
):
    target = make_person()
    listening = inbox(target, me)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = like_create(actor=me, target_id=target.pk, comment="Nice smile")
    assert listening.types(target) == []  # nothing before commit
    assert LIKE_NOTIFICATIONS.pending() == 0

    for callback in callbacks:
        callback()
    assert get_redis().lrange(LIKE_NOTIFICATIONS.key, 0, -1) == [str(result.like.pk)]
    events = listening.events(target)
    assert events == [
        {
            "type": "matching.like_received",
            "like": {
                "id": str(result.like.pk),
                "user_id": str(me.pk),
                "comment": "Nice smile",
                "photo_id": None,
                "prompt_id": None,
                "created_at": result.like.created_at.isoformat(),
            },
        }
    ]
    assert listening.events(me) == []


def test_a_refused_like_schedules_nothing(me, make_person, django_capture_on_commit_callbacks):
    target = make_person()
    Block.objects.create(blocker=target, blocked=me)

    with django_capture_on_commit_callbacks(execute=False) as callbacks, pytest.raises(NotFound):
        like_create(actor=me, target_id=target.pk)

    assert callbacks == []


def test_the_service_refuses_myself_without_a_query(me, django_assert_num_queries):
    with django_assert_num_queries(0), pytest.raises(ValidationFailed):
        like_create(actor=me, target_id=me.pk)


def test_match_state_is_not_touched_by_a_pending_like(me, make_person):
    like_create(actor=me, target_id=make_person().pk)

    assert not Match.objects.exists()


def test_an_incognito_person_s_profile_opens_only_for_the_people_they_liked(
    me, auth_client, make_person
):
    liker, stranger = make_person(), make_person()
    Profile.objects.filter(pk=liker.pk).update(is_incognito=True)
    Like.objects.create(actor=liker, target=me, comment="Hey")

    mine = auth_client.get(f"/api/v1/profiles/{liker.pk}")
    theirs = client_for(stranger).get(f"/api/v1/profiles/{liker.pk}")

    assert mine.status_code == 200
    assert mine.json()["id"] == str(liker.pk)
    assert theirs.status_code == 404
