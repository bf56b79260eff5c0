from datetime import timedelta
from functools import partial

import pytest
from django.db import transaction
from django.utils import timezone

from accounts.tests.factories import UserFactory
from core.presence import presence_connect
from notifications.models import Notification, NotificationKind
from notifications.services import notifications_purge, notify
from notifications.tasks import notification_deliver_task, notifications_purge_task
from notifications.tests.factories import NotificationFactory

pytestmark = pytest.mark.django_db


def test_notify_records_the_row_on_commit_and_schedules_its_delivery(
    user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notify(
            user_id=user.pk,
            kind=NotificationKind.MATCH_CREATED,
            title="It's a match",
            body="You and Ada",
            data={"match_id": "m-1"},
            collapse_key="match:m-1",
        )
        assert not Notification.objects.exists()  # nothing before the commit

    notification = Notification.objects.get()
    assert (notification.user, notification.kind, notification.title) == (
        user,
        "match_created",
        "It's a match",
    )
    assert notification.data == {"match_id": "m-1"}
    assert notification.collapse_key == "match:m-1"
    assert notification.read_at is None
    assert notification.delivered_at is None
    scheduled = [c for c in callbacks if isinstance(c, partial)]
    assert [(c.func, c.args) for c in scheduled] == [
        (notification_deliver_task.delay, (str(notification.pk),))
    ]


def test_a_rolled_back_transaction_notifies_nobody(user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                notify(user_id=user.pk, kind="like_received", title="New like")
                raise RuntimeError("the like failed")
        except RuntimeError:
            pass

    assert callbacks == []
    assert not Notification.objects.exists()


def test_a_message_notification_is_not_recorded_while_the_user_has_a_socket(
    user, django_capture_on_commit_callbacks
):
    presence_connect(user.pk, "connection-1")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notify(user_id=user.pk, kind="message_received", title="Ada", body="hi")

    assert not Notification.objects.exists()
    assert not [c for c in callbacks if isinstance(c, partial)]


def test_a_message_notification_is_recorded_while_the_user_is_offline(
    user, django_capture_on_commit_callbacks
):
    presence_connect(UserFactory().pk, "someone-else")

    with django_capture_on_commit_callbacks(execute=True):
        notify(
            user_id=user.pk,
            kind="message_received",
            title="Ada",
            body="hi",
            collapse_key="conversation:c-1",
        )

    assert Notification.objects.get().kind == "message_received"


def test_other_kinds_are_recorded_while_online(user, django_capture_on_commit_callbacks):
    presence_connect(user.pk, "connection-1")

    with django_capture_on_commit_callbacks(execute=True):
        notify(user_id=user.pk, kind="like_received", title="New like")
        notify(user_id=user.pk, kind="message_received", title="Ada", only_when_offline=False)

    assert sorted(Notification.objects.values_list("kind", flat=True)) == [
        "like_received",
        "message_received",
    ]


def test_long_texts_are_cut_to_the_columns(user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify(user_id=user.pk, kind="ai_job_completed", title="t" * 500, body="b" * 900)

    notification = Notification.objects.get()
    assert (len(notification.title), len(notification.body)) == (120, 500)


def test_an_unknown_kind_is_refused_at_the_call(user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:  # noqa: SIM117
        with pytest.raises(ValueError, match="nonsense"):
            notify(user_id=user.pk, kind="nonsense", title="x")

    assert callbacks == []

    assert not Notification.objects.exists()


def test_purge_deletes_only_notifications_past_the_retention(user, settings):
    settings.KINDRED_NOTIFICATION_RETENTION_DAYS = 30
    old = NotificationFactory(user=user)
    Notification.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))
    recent = NotificationFactory(user=user)

    assert notifications_purge_task() == 1
    assert list(Notification.objects.values_list("pk", flat=True)) == [recent.pk]
    assert notifications_purge(older_than=timedelta(days=30)) == 0
