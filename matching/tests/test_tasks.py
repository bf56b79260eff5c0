"""The notification tasks: written once, and only while still news."""

import pytest

from discovery.models import Pass
from matching.models import Like, MatchState
from matching.services import like_create
from matching.tasks import (
    LIKE_NOTIFICATIONS,
    notify_like_received_task,
    notify_likes_received_task,
    notify_match_created_task,
)
from matching.tests.factories import make_match, set_quota
from moderation.models import Block
from notifications.models import Notification, NotificationKind
from profiles.models import Profile

pytestmark = pytest.mark.django_db


def notifications() -> list[tuple]:
    return list(Notification.objects.order_by("user_id").values_list("user_id", "kind", "data"))


def test_a_like_notifies_the_liked_person_once(me, make_person, django_capture_on_commit_callbacks):
    target = make_person()
    Profile.objects.filter(pk=me.pk).update(display_name="Alex")
    with django_capture_on_commit_callbacks(execute=True):
        like = like_create(actor=me, target_id=target.pk, comment="Nice hat").like

    with django_capture_on_commit_callbacks(execute=True):
        assert notify_like_received_task(str(like.pk)) is True
    with django_capture_on_commit_callbacks(execute=True):
        assert notify_like_received_task(str(like.pk)) is False  # a redelivery

    row = Notification.objects.get()
    assert (row.user_id, row.kind) == (target.pk, NotificationKind.LIKE_RECEIVED)
    assert row.title == "Alex likes you"
    assert row.body == "Nice hat"
    assert row.data == {"like_id": str(like.pk), "user_id": str(me.pk)}


def test_a_like_s_notification_is_written_once_its_outbox_drains(
    me, make_person, django_capture_on_commit_callbacks, eager_celery
):
    target = make_person()
    with django_capture_on_commit_callbacks(execute=True):
        like = like_create(actor=me, target_id=target.pk, comment="Hi").like

    row = Notification.objects.get()  # the push found the outbox empty: drained at once
    assert (row.user_id, row.data["like_id"]) == (target.pk, str(like.pk))
    assert LIKE_NOTIFICATIONS.pending() == 0


def test_one_drain_notifies_every_like_waiting_in_the_outbox(
    me, make_person, django_capture_on_commit_callbacks
):
    targets = [make_person() for _ in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        likes = [
            like_create(actor=me, target_id=target.pk, comment="Hi").like for target in targets
        ]
    assert LIKE_NOTIFICATIONS.pending() == 3

    with django_capture_on_commit_callbacks(execute=True):
        assert notify_likes_received_task() == 3

    notified = set(Notification.objects.values_list("user_id", "data__like_id"))
    assert notified == {(like.target_id, str(like.pk)) for like in likes}
    assert LIKE_NOTIFICATIONS.pending() == 0


@pytest.mark.parametrize("change", ["deleted", "matched", "blocked", "passed", "paused"])
def test_a_like_that_is_no_longer_news_notifies_nobody(
    me, make_person, change, django_capture_on_commit_callbacks
):
    target = make_person()
    like = Like.objects.create(actor=me, target=target)
    like_id = like.pk
    if change == "deleted":
        like.delete()
    elif change == "matched":
        make_match(me, target)
    elif change == "blocked":
        Block.objects.create(blocker=target, blocked=me)
    elif change == "passed":
        Pass.objects.create(actor=target, target=me)
    else:
        Profile.objects.filter(pk=me.pk).update(is_paused=True, is_discoverable=False)

    with django_capture_on_commit_callbacks(execute=True):
        assert notify_like_received_task(str(like_id)) is False

    assert notifications() == []


def test_a_match_notifies_both_once(me, make_person, django_capture_on_commit_callbacks):
    other = make_person(display_name="Robin")
    Profile.objects.filter(pk=me.pk).update(display_name="Alex")
    set_quota(other, day_count=0, total_count=10)
    Like.objects.create(actor=me, target=other)
    match = like_create(actor=other, target_id=me.pk).match

    with django_capture_on_commit_callbacks(execute=True):
        assert notify_match_created_task(str(match.pk)) == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert notify_match_created_task(str(match.pk)) == 0

    rows = {row.user_id: row for row in Notification.objects.all()}
    assert set(rows) == {me.pk, other.pk}
    assert rows[me.pk].kind == NotificationKind.MATCH_CREATED
    assert rows[me.pk].body.startswith("You and Robin")
    assert rows[other.pk].body.startswith("You and Alex")
    assert rows[me.pk].data == {
        "match_id": str(match.pk),
        "conversation_id": str(match.pk),
        "user_id": str(other.pk),
    }


@pytest.mark.parametrize("state", [MatchState.UNMATCHED, MatchState.DELETED])
def test_an_ended_match_notifies_nobody(me, make_person, state, django_capture_on_commit_callbacks):
    match = make_match(me, make_person(), state=state)

    with django_capture_on_commit_callbacks(execute=True):
        assert notify_match_created_task(str(match.pk)) == 0

    assert notifications() == []
