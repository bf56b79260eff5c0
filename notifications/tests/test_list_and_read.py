import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from notifications.models import Notification
from notifications.tests.factories import NotificationFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/notifications"
READ = "/api/v1/notifications/read"


def aged(notification: Notification, minutes: int) -> Notification:
    Notification.objects.filter(pk=notification.pk).update(
        created_at=timezone.now() - timedelta(minutes=minutes)
    )
    return notification


def test_the_list_is_mine_newest_first_with_the_unread_count(auth_client, user):
    older = aged(NotificationFactory(user=user, title="older", data={"match_id": "m"}), 10)
    newer = NotificationFactory(user=user, title="newer", read_at=timezone.now())
    NotificationFactory(title="someone else's")

    response = auth_client.get(LIST)

    assert response.status_code == 200
    body = response.json()
    assert [item["id"] for item in body["results"]] == [str(newer.pk), str(older.pk)]
    assert body["unread_count"] == 1
    assert body["next"] is None
    item = body["results"][1]
    assert item == {
        "id": str(older.pk),
        "kind": "like_received",
        "title": "older",
        "body": "Someone likes you",
        "data": {"match_id": "m"},
        "collapse_key": "",
        "is_read": False,
        "read_at": None,
        "created_at": item["created_at"],
    }
    assert body["results"][0]["is_read"] is True


def test_another_users_notifications_are_never_listed(auth_client, user):
    someone = UserFactory()
    for _ in range(3):
        NotificationFactory(user=someone)

    body = auth_client.get(LIST).json()

    assert body["results"] == []
    assert body["unread_count"] == 0


def test_the_list_pages_with_a_cursor(auth_client, user):
    notifications = [aged(NotificationFactory(user=user), minutes) for minutes in (3, 2, 1)]

    first = auth_client.get(LIST, {"limit": 2}).json()
    second = auth_client.get(first["next"]).json()

    ids = [item["id"] for item in first["results"] + second["results"]]
    assert ids == [str(n.pk) for n in reversed(notifications)]
    assert second["next"] is None
    assert first["unread_count"] == second["unread_count"] == 3


def test_the_list_can_show_only_unread(auth_client, user):
    unread = NotificationFactory(user=user)
    NotificationFactory(user=user, read_at=timezone.now())

    body = auth_client.get(LIST, {"unread": "true"}).json()

    assert [item["id"] for item in body["results"]] == [str(unread.pk)]


def test_a_nonsense_filter_is_a_400(auth_client, user):
    response = auth_client.get(LIST, {"unread": "perhaps"})

    assert response.status_code == 400
    assert list(response.json()["extra"]["fields"]) == ["unread"]


@pytest.mark.parametrize("count", [1, 50])
def test_the_list_costs_the_same_queries_for_1_and_50(
    auth_client, user, count, django_assert_num_queries
):
    NotificationFactory.create_batch(count, user=user)
    auth_client.get(LIST)  # sets last_seen_at, which is written at most every 5 minutes

    # user (with profile), page, unread count
    with django_assert_num_queries(3):
        response = auth_client.get(LIST, {"limit": 50})

    assert len(response.json()["results"]) == count


def test_the_list_needs_authentication(api_client):
    response = api_client.get(LIST)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_marking_ids_read_touches_only_mine_and_answers_the_same_for_others(
    auth_client, user, socket_of, django_capture_on_commit_callbacks
):
    mine = NotificationFactory(user=user)
    also_mine = NotificationFactory(user=user)
    theirs = NotificationFactory()
    socket = socket_of(user.pk)
    their_socket = socket_of(theirs.user_id)

    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client.post(READ, {"ids": [str(mine.pk), str(theirs.pk)]}, format="json")

    assert response.status_code == 200
    assert response.json() == {"updated": 1, "unread_count": 1}
    assert Notification.objects.get(pk=mine.pk).read_at is not None
    assert Notification.objects.get(pk=also_mine.pk).read_at is None
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert socket.events(expected=1) == [
        {"type": "notifications.read", "ids": [str(mine.pk)], "unread_count": 1}
    ]
    assert their_socket.events() == []


def test_another_users_id_answers_exactly_like_an_unknown_id(auth_client, user):
    theirs = NotificationFactory()

    for notification_id in (theirs.pk, uuid.uuid4()):
        response = auth_client.post(READ, {"ids": [str(notification_id)]}, format="json")
        assert response.status_code == 200
        assert response.json() == {"updated": 0, "unread_count": 0}
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_marking_all_read_leaves_other_users_alone(
    auth_client, user, socket_of, django_capture_on_commit_callbacks
):
    NotificationFactory.create_batch(3, user=user)
    theirs = NotificationFactory()
    socket = socket_of(user.pk)

    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client.post(READ, {"all": True}, format="json")

    assert response.json() == {"updated": 3, "unread_count": 0}
    assert not Notification.objects.filter(user=user, read_at__isnull=True).exists()
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert socket.events(expected=1) == [
        {"type": "notifications.read", "ids": None, "unread_count": 0}
    ]


def test_reading_again_keeps_the_first_read_time_and_sends_nothing(
    auth_client, user, socket_of, django_capture_on_commit_callbacks
):
    first_read = timezone.now() - timedelta(hours=1)
    notification = NotificationFactory(user=user, read_at=first_read)
    socket = socket_of(user.pk)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = auth_client.post(READ, {"ids": [str(notification.pk)]}, format="json")

    assert response.json() == {"updated": 0, "unread_count": 0}
    assert callbacks == []
    assert Notification.objects.get(pk=notification.pk).read_at == first_read
    assert socket.events() == []


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "ids"),
        ({"ids": ["x"], "all": True}, "ids"),
        ({"all": False}, "all"),
        ({"ids": []}, "ids"),
        ({"ids": ["not-a-uuid"]}, "ids"),
        ({"ids": [str(uuid.uuid4()) for _ in range(101)]}, "ids"),
        ({"ids": "everything"}, "ids"),
    ],
)
def test_bad_read_requests_are_400_and_change_nothing(auth_client, user, payload, field):
    notification = NotificationFactory(user=user)

    response = auth_client.post(READ, payload, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert field in response.json()["extra"]["fields"]
    assert Notification.objects.get(pk=notification.pk).read_at is None


def test_read_needs_authentication(api_client):
    assert api_client.post(READ, {"all": True}, format="json").status_code == 401
