from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from celery.exceptions import Retry
from django.utils import timezone
from firebase_admin import exceptions as firebase_errors
from firebase_admin import messaging

from accounts.tests.factories import UserFactory
from core.presence import presence_connect, presence_disconnect
from core.redis import get_redis, redis_key
from core.testing import run_in_threads
from notifications.delivery import PushTemporarilyFailed, notification_deliver
from notifications.models import (
    DeliveryOutcome,
    Notification,
    NotificationKind,
    NotificationPreference,
    PushDevice,
)
from notifications.selectors import is_quiet_time
from notifications.tasks import MAX_RETRIES, notification_deliver_task
from notifications.tests.factories import NotificationFactory, PushDeviceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def person():
    return UserFactory(time_zone="Europe/Paris")


@pytest.fixture
def phone(person):
    return PushDeviceFactory(user=person, token="phone-token-0123456789")


def message_notification(user, **fields):
    return NotificationFactory(
        user=user,
        kind=NotificationKind.MESSAGE_RECEIVED,
        title="Ada",
        body=fields.pop("body", "hello"),
        data={"conversation_id": "c-1"},
        collapse_key=fields.pop("collapse_key", "conversation:c-1"),
        **fields,
    )


# --- socket when online, push only when no socket is open ---------------------------------


def test_online_user_gets_the_socket_event_and_no_push(person, phone, fake_fcm, socket_of):
    presence_connect(person.pk, "connection-1")
    socket = socket_of(person.pk)
    notification = NotificationFactory(user=person, title="New like")

    outcome = notification_deliver(notification_id=notification.pk)

    assert outcome == DeliveryOutcome.SOCKET
    events = socket.events(expected=1)
    assert len(events) == 1
    assert events[0]["type"] == "notifications.created"
    assert events[0]["notification"]["id"] == str(notification.pk)
    assert events[0]["notification"]["title"] == "New like"
    assert events[0]["unread_count"] == 1
    assert fake_fcm.sent == []
    notification.refresh_from_db()
    assert notification.delivery == DeliveryOutcome.SOCKET
    assert notification.delivered_at is not None
    assert notification.push_sent_at is None


def test_offline_user_gets_a_push_on_every_device_and_no_socket_event(
    person, phone, fake_fcm, socket_of
):
    tablet = PushDeviceFactory(user=person, platform="ios")
    PushDeviceFactory()  # someone else's device
    socket = socket_of(person.pk)
    notification = NotificationFactory(
        user=person, title="It's a match", body="You and Ada", data={"match_id": "m-1"}
    )

    outcome = notification_deliver(notification_id=notification.pk)

    assert outcome == DeliveryOutcome.PUSH
    assert socket.events() == []
    assert sorted(message.token for message in fake_fcm.sent) == sorted([phone.token, tablet.token])
    message = fake_fcm.sent[0]
    assert message.notification.title == "It's a match"
    assert message.notification.body == "You and Ada"
    assert message.data["match_id"] == "m-1"
    assert message.data["notification_id"] == str(notification.pk)
    assert message.data["kind"] == "like_received"
    assert message.apns.payload.aps.badge == 1
    notification.refresh_from_db()
    assert notification.delivery == DeliveryOutcome.PUSH
    assert notification.push_sent_at is not None


def test_a_closed_socket_no_longer_counts_so_the_next_notification_is_pushed(
    person, phone, fake_fcm
):
    presence_connect(person.pk, "connection-1")
    first = NotificationFactory(user=person)
    assert notification_deliver(notification_id=first.pk) == DeliveryOutcome.SOCKET
    presence_disconnect(person.pk, "connection-1")
    second = NotificationFactory(user=person)

    assert notification_deliver(notification_id=second.pk) == DeliveryOutcome.PUSH
    assert [message.data["notification_id"] for message in fake_fcm.sent] == [str(second.pk)]


def test_another_users_socket_does_not_stop_the_push(person, phone, fake_fcm):
    presence_connect(UserFactory().pk, "connection-of-someone-else")
    notification = NotificationFactory(user=person)

    assert notification_deliver(notification_id=notification.pk) == DeliveryOutcome.PUSH
    assert len(fake_fcm.sent) == 1


def test_offline_without_devices_is_recorded_as_no_device(person, fake_fcm):
    notification = NotificationFactory(user=person)

    assert notification_deliver(notification_id=notification.pk) == DeliveryOutcome.NO_DEVICE
    assert fake_fcm.sent == []
    assert Notification.objects.get(pk=notification.pk).delivery == DeliveryOutcome.NO_DEVICE


def test_an_inactive_account_gets_neither_socket_nor_push(person, phone, fake_fcm, socket_of):
    person.is_active = False
    person.save(update_fields=["is_active"])
    presence_connect(person.pk, "connection-1")
    socket = socket_of(person.pk)
    notification = NotificationFactory(user=person)

    assert notification_deliver(notification_id=notification.pk) == DeliveryOutcome.INACTIVE
    assert socket.events() == []
    assert fake_fcm.sent == []


def test_the_default_logging_provider_logs_instead_of_sending(person, phone, caplog):
    notification = NotificationFactory(user=person, title="New like")

    with caplog.at_level("INFO", logger="notifications.push"):
        outcome = notification_deliver(notification_id=notification.pk)

    assert outcome == DeliveryOutcome.PUSH
    assert "New like" in caplog.text
    assert phone.token not in caplog.text  # only the end of a token is logged
    assert phone.token[-6:] in caplog.text


# --- idempotency ----------------------------------------------------------------------------


def test_delivering_twice_pushes_once(person, phone, fake_fcm):
    notification = NotificationFactory(user=person)

    first = notification_deliver_task(str(notification.pk))
    second = notification_deliver_task(str(notification.pk))

    assert (first, second) == ("push", "")
    assert len(fake_fcm.sent) == 1


def test_an_unknown_notification_is_a_no_op(fake_fcm):
    assert notification_deliver_task("00000000-0000-0000-0000-000000000000") == ""
    assert fake_fcm.sent == []


def test_a_notification_claimed_by_another_worker_is_left_to_it(person, phone, fake_fcm):
    notification = NotificationFactory(user=person)
    get_redis().set(redis_key("notifications", "delivering", notification.pk), "1", ex=60)

    assert notification_deliver(notification_id=notification.pk) is None
    assert fake_fcm.sent == []
    assert Notification.objects.get(pk=notification.pk).delivered_at is None


@pytest.mark.django_db(transaction=True)
def test_two_workers_delivering_the_same_notification_at_once_push_once(fake_fcm):
    person = UserFactory()
    PushDeviceFactory(user=person)
    notification = NotificationFactory(user=person)

    outcomes = run_in_threads(lambda: notification_deliver(notification_id=notification.pk), 2)

    assert sorted(outcomes, key=str) == sorted([DeliveryOutcome.PUSH, None], key=str)
    assert len(fake_fcm.sent) == 1


# --- preferences: kinds switched off, quiet hours -------------------------------------------


def test_a_kind_switched_off_is_not_pushed_but_stays_in_the_list(person, phone, fake_fcm):
    NotificationPreference.objects.create(user=person, disabled_kinds=["like_received"])
    like = NotificationFactory(user=person, kind=NotificationKind.LIKE_RECEIVED)
    match = NotificationFactory(user=person, kind=NotificationKind.MATCH_CREATED)

    assert notification_deliver(notification_id=like.pk) == DeliveryOutcome.DISABLED
    assert notification_deliver(notification_id=match.pk) == DeliveryOutcome.PUSH
    assert [message.data["kind"] for message in fake_fcm.sent] == ["match_created"]
    assert Notification.objects.filter(pk=like.pk, read_at__isnull=True).exists()


def test_a_kind_switched_off_still_reaches_an_open_socket(person, phone, fake_fcm, socket_of):
    NotificationPreference.objects.create(user=person, disabled_kinds=["like_received"])
    presence_connect(person.pk, "connection-1")
    socket = socket_of(person.pk)
    like = NotificationFactory(user=person)

    assert notification_deliver(notification_id=like.pk) == DeliveryOutcome.SOCKET
    assert [event["type"] for event in socket.events(expected=1)] == ["notifications.created"]


def _local_window_around_now(zone: str) -> tuple[time, time]:
    """Quiet hours from one hour before to one hour after the present, local to `zone`."""
    local = timezone.now().astimezone(ZoneInfo(zone))
    return (
        (local - timedelta(hours=1)).time().replace(second=0, microsecond=0),
        (local + timedelta(hours=1)).time().replace(second=0, microsecond=0),
    )


def test_quiet_hours_in_the_users_time_zone_stop_the_push_not_the_row(person, phone, fake_fcm):
    start, end = _local_window_around_now("Europe/Paris")
    NotificationPreference.objects.create(user=person, quiet_hours_start=start, quiet_hours_end=end)
    notification = NotificationFactory(user=person)

    assert notification_deliver(notification_id=notification.pk) == DeliveryOutcome.QUIET_HOURS
    assert fake_fcm.sent == []
    notification.refresh_from_db()
    assert notification.read_at is None
    assert notification.push_sent_at is None


def test_quiet_hours_are_read_in_the_users_zone_not_in_utc(fake_fcm):
    # The window covers "now" in UTC, but in Kolkata (UTC+5:30) it is hours later.
    person = UserFactory(time_zone="Asia/Kolkata")
    PushDeviceFactory(user=person)
    start, end = _local_window_around_now("UTC")
    NotificationPreference.objects.create(user=person, quiet_hours_start=start, quiet_hours_end=end)
    notification = NotificationFactory(user=person)

    assert notification_deliver(notification_id=notification.pk) == DeliveryOutcome.PUSH
    assert len(fake_fcm.sent) == 1


@pytest.mark.parametrize(
    ("local_time", "is_quiet"),
    [
        ("21:59", False),
        ("22:00", True),
        ("23:30", True),
        ("00:00", True),
        ("06:59", True),
        ("07:00", False),
        ("12:00", False),
    ],
)
def test_quiet_hours_that_wrap_midnight(local_time, is_quiet):
    person = UserFactory.build(time_zone="America/New_York")
    preference = NotificationPreference(quiet_hours_start=time(22, 0), quiet_hours_end=time(7, 0))
    hour, minute = map(int, local_time.split(":"))
    at = datetime(2026, 1, 15, hour, minute, tzinfo=ZoneInfo("America/New_York")).astimezone(UTC)

    assert is_quiet_time(preference=preference, user=person, at=at) is is_quiet


def test_quiet_hours_within_one_day_and_an_unknown_zone_falls_back_to_utc():
    person = UserFactory.build(time_zone="Mars/Olympus_Mons")
    preference = NotificationPreference(quiet_hours_start=time(13, 0), quiet_hours_end=time(15, 0))

    assert is_quiet_time(
        preference=preference, user=person, at=datetime(2026, 1, 1, 14, tzinfo=UTC)
    )
    assert not is_quiet_time(
        preference=preference, user=person, at=datetime(2026, 1, 1, 15, tzinfo=UTC)
    )
    assert not is_quiet_time(
        preference=NotificationPreference(), user=person, at=datetime(2026, 1, 1, 14, tzinfo=UTC)
    )


# --- several messages of one conversation: one push -----------------------------------------


def test_messages_of_one_conversation_collapse_into_one_push(person, phone, fake_fcm):
    first = message_notification(person, body="hi")
    second = message_notification(person, body="are you there?")
    third = message_notification(person, body="?")

    outcomes = [notification_deliver(notification_id=n.pk) for n in (first, second, third)]

    assert outcomes == [DeliveryOutcome.PUSH, DeliveryOutcome.COLLAPSED, DeliveryOutcome.COLLAPSED]
    assert len(fake_fcm.sent) == 1
    message = fake_fcm.sent[0]
    assert message.android.collapse_key == "conversation:c-1"
    assert message.android.notification.tag == "conversation:c-1"
    assert message.apns.headers["apns-collapse-id"] == "conversation:c-1"
    assert message.apns.payload.aps.thread_id == "conversation:c-1"
    assert message.webpush.notification.tag == "conversation:c-1"
    # All three rows stay in the in-app list.
    assert Notification.objects.filter(user=person, read_at__isnull=True).count() == 3


def test_the_push_says_how_many_unread_notifications_it_stands_for(person, phone, fake_fcm):
    message_notification(person, delivered_at=timezone.now(), delivery="socket")
    message_notification(person, delivered_at=timezone.now(), delivery="socket")
    latest = message_notification(person)

    notification_deliver(notification_id=latest.pk)

    assert fake_fcm.sent[0].data["group_unread_count"] == "3"


def test_another_conversation_is_pushed_separately(person, phone, fake_fcm):
    first = message_notification(person, collapse_key="conversation:c-1")
    other = message_notification(person, collapse_key="conversation:c-2")

    assert notification_deliver(notification_id=first.pk) == DeliveryOutcome.PUSH
    assert notification_deliver(notification_id=other.pk) == DeliveryOutcome.PUSH
    assert len(fake_fcm.sent) == 2


def test_once_the_pushed_notification_is_read_the_next_message_is_pushed(person, phone, fake_fcm):
    first = message_notification(person)
    notification_deliver(notification_id=first.pk)
    Notification.objects.filter(pk=first.pk).update(read_at=timezone.now())
    second = message_notification(person)

    assert notification_deliver(notification_id=second.pk) == DeliveryOutcome.PUSH
    assert len(fake_fcm.sent) == 2


def test_after_the_collapse_window_the_next_message_is_pushed(person, phone, fake_fcm, settings):
    settings.KINDRED_PUSH_COLLAPSE_MINUTES = 10
    first = message_notification(person)
    notification_deliver(notification_id=first.pk)
    Notification.objects.filter(pk=first.pk).update(
        push_sent_at=timezone.now() - timedelta(minutes=11)
    )
    second = message_notification(person)

    assert notification_deliver(notification_id=second.pk) == DeliveryOutcome.PUSH
    assert len(fake_fcm.sent) == 2


def test_a_collapsed_quiet_or_socket_notification_opens_no_collapse_window(person, phone, fake_fcm):
    # Only a push that went out starts the window: one delivered to the socket does not.
    presence_connect(person.pk, "connection-1")
    on_socket = message_notification(person)
    assert notification_deliver(notification_id=on_socket.pk) == DeliveryOutcome.SOCKET
    presence_disconnect(person.pk, "connection-1")
    offline = message_notification(person)

    assert notification_deliver(notification_id=offline.pk) == DeliveryOutcome.PUSH


# --- invalid tokens and failures ------------------------------------------------------------


def test_tokens_the_provider_reports_invalid_are_removed(person, fake_fcm):
    uninstalled = PushDeviceFactory(user=person, token="uninstalled-token-000000")
    other_project = PushDeviceFactory(user=person, token="other-project-token-0000")
    working = PushDeviceFactory(user=person, token="working-token-000000000")
    busy = PushDeviceFactory(user=person, token="quota-token-000000000000")
    fake_fcm.errors = {
        uninstalled.token: messaging.UnregisteredError("Requested entity was not found."),
        other_project.token: messaging.SenderIdMismatchError("SenderId mismatch"),
        busy.token: messaging.QuotaExceededError("Quota exceeded"),
    }
    notification = NotificationFactory(user=person)

    assert notification_deliver(notification_id=notification.pk) == DeliveryOutcome.PUSH
    assert set(PushDevice.objects.filter(user=person).values_list("token", flat=True)) == {
        working.token,
        busy.token,
    }
    assert [message.token for message in fake_fcm.sent] == [working.token]


def test_when_every_token_is_invalid_all_are_removed_and_nothing_is_retried(person, fake_fcm):
    device = PushDeviceFactory(user=person)
    fake_fcm.errors = {device.token: firebase_errors.InvalidArgumentError("bad token")}
    notification = NotificationFactory(user=person)

    assert notification_deliver(notification_id=notification.pk) == DeliveryOutcome.NO_DEVICE
    assert not PushDevice.objects.filter(user=person).exists()


def test_a_transient_failure_on_every_device_retries_and_keeps_the_devices(person, phone, fake_fcm):
    fake_fcm.errors = {phone.token: firebase_errors.UnavailableError("try later")}
    notification = NotificationFactory(user=person)

    with pytest.raises(PushTemporarilyFailed):
        notification_deliver(notification_id=notification.pk)

    notification.refresh_from_db()
    assert notification.delivered_at is None
    assert PushDevice.objects.filter(pk=phone.pk).exists()
    # The claim is released, so the retry can deliver once FCM is back.
    fake_fcm.errors = {}
    assert notification_deliver(notification_id=notification.pk) == DeliveryOutcome.PUSH


def test_the_task_retries_transient_failures_then_marks_the_push_failed(person, phone, fake_fcm):
    fake_fcm.batch_error = firebase_errors.UnavailableError("FCM is down")
    notification = NotificationFactory(user=person)

    # Early attempts ask Celery for a retry and record nothing.
    with pytest.raises(Retry):
        notification_deliver_task.apply(args=[str(notification.pk)], retries=0)
    assert Notification.objects.get(pk=notification.pk).delivered_at is None

    # The last attempt gives up: the push failed, the row and the devices stay.
    result = notification_deliver_task.apply(args=[str(notification.pk)], retries=MAX_RETRIES)

    assert result.get() == "push_failed"
    notification.refresh_from_db()
    assert notification.delivery == DeliveryOutcome.PUSH_FAILED
    assert notification.push_sent_at is None
    assert PushDevice.objects.filter(pk=phone.pk).exists()


def test_a_permanent_provider_refusal_is_recorded_without_retry(person, phone, fake_fcm):
    fake_fcm.errors = {phone.token: messaging.ThirdPartyAuthError("APNs certificate rejected")}
    notification = NotificationFactory(user=person)

    assert notification_deliver(notification_id=notification.pk) == DeliveryOutcome.PUSH_FAILED
    assert PushDevice.objects.filter(pk=phone.pk).exists()
