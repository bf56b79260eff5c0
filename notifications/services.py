"""Creating notifications, marking them read, push devices and preferences.

Every app calls `notify`; delivery (socket, push) is the `notifications.deliver` task
(`notifications.delivery`), scheduled once the row is committed.
"""

from dataclasses import dataclass
from datetime import time, timedelta
from functools import partial
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core.exceptions import ValidationFailed
from notifications import events
from notifications.models import (
    DevicePlatform,
    Notification,
    NotificationKind,
    NotificationPreference,
    PushDevice,
    PushTokenKind,
)
from notifications.selectors import notification_unread_count, user_is_online

# Kinds recorded only while the user has no open socket: an online user already sees the
# message in the conversation itself (chat.message_created), so a row would be noise.
OFFLINE_ONLY_KINDS = frozenset({NotificationKind.MESSAGE_RECEIVED})


def notify(
    *,
    user_id: UUID,
    kind: NotificationKind | str,
    title: str,
    body: str = "",
    data: dict[str, Any] | None = None,
    collapse_key: str = "",
    only_when_offline: bool | None = None,
) -> None:
    """Record an in-app notification for `user_id` once the current transaction commits
    (so a rolled-back like or message notifies nobody), then schedule its delivery
    (`notifications.deliver`: the socket when online, else push).

    `collapse_key` groups notifications of one thing (e.g. `conversation:<id>`): while an
    unread earlier one with the same key was pushed within KINDRED_PUSH_COLLAPSE_MINUTES,
    no further push is sent for it. `only_when_offline` (default: True for
    `message_received`, False otherwise) records nothing while the user has an open socket.
    An unknown kind raises ValueError at the call; after the commit, a failure to record or
    to queue the delivery is logged and never reaches the caller.
    """
    kind = NotificationKind(kind)
    if only_when_offline is None:
        only_when_offline = kind in OFFLINE_ONLY_KINDS
    values = {
        "user_id": user_id,
        "kind": kind,
        "title": title[:120],
        "body": body[:500],
        "data": data or {},
        "collapse_key": collapse_key[:100],
    }

    def create() -> None:
        if only_when_offline and user_is_online(user_id):
            return
        notification = Notification.objects.create(**values)
        from notifications.tasks import notification_deliver_task

        transaction.on_commit(partial(notification_deliver_task.delay, str(notification.pk)))

    transaction.on_commit(create, robust=True)


@dataclass(frozen=True)
class ReadResult:
    updated: int
    unread_count: int


def notifications_mark_read(
    *, user: User, ids: list[UUID] | None = None, everything: bool = False
) -> ReadResult:
    """Mark the user's notifications read: those in `ids`, or all of them. Ids that are not
    the user's (or don't exist) are ignored, so the answer reveals nothing about them.
    Idempotent: already-read notifications keep their first read time. The user's other
    sockets get `notifications.read` so their badges follow."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    with transaction.atomic():
        if everything:
            read_ids = None
            updated = unread.update(read_at=timezone.now())
        else:
            read_ids = list(unread.filter(pk__in=ids or []).values_list("pk", flat=True))
            updated = unread.filter(pk__in=read_ids).update(read_at=timezone.now())
        unread_count = notification_unread_count(user=user)
        if updated:
            events.notifications_read_on_commit(
                user_id=user.pk, ids=read_ids, unread_count=unread_count
            )
    return ReadResult(updated=updated, unread_count=unread_count)


@dataclass(frozen=True)
class DeviceRegistration:
    device: PushDevice
    created: bool


@transaction.atomic
def push_device_register(
    *,
    user: User,
    token: str,
    platform: DevicePlatform | str,
    token_kind: PushTokenKind | str = PushTokenKind.REGISTRATION_TOKEN,
) -> DeviceRegistration:
    """Register (upsert) a push token for `user`. A token already known moves to this user
    (another account signed in on that install); `created` is False only when it was
    already this user's. Beyond KINDRED_PUSH_DEVICES_PER_USER the least recently registered
    devices are dropped."""
    existing = PushDevice.objects.select_for_update().filter(token=token).first()
    was_mine = existing is not None and existing.user_id == user.pk
    device, _ = PushDevice.objects.update_or_create(
        token=token,
        defaults={
            "user": user,
            "platform": DevicePlatform(platform),
            "token_kind": PushTokenKind(token_kind),
        },
    )
    stale = PushDevice.objects.filter(user=user).order_by("-updated_at", "-pk")[
        settings.KINDRED_PUSH_DEVICES_PER_USER :
    ]
    PushDevice.objects.filter(pk__in=list(stale.values_list("pk", flat=True))).delete()
    return DeviceRegistration(device=device, created=not was_mine)


def push_device_unregister(*, user: User, token: str) -> None:
    """Forget a push token of `user` (sign-out on that device). Idempotent; a token of
    another user or an unknown one is left alone, and the answer is the same."""
    PushDevice.objects.filter(user=user, token=token).delete()


def push_devices_remove(*, tokens: list[str]) -> int:
    """Delete tokens the provider reported invalid; returns how many rows went."""
    if not tokens:
        return 0
    deleted, _ = PushDevice.objects.filter(token__in=tokens).delete()
    return deleted


def push_devices_delete_for_user(*, user_id: UUID) -> int:
    """Forget every push device of a user (account deactivation or deletion)."""
    deleted, _ = PushDevice.objects.filter(user_id=user_id).delete()
    return deleted


_UNSET: Any = object()


@transaction.atomic
def notification_preferences_update(
    *,
    user: User,
    kinds: dict[str, bool] | None = None,
    quiet_hours: tuple[time, time] | None = _UNSET,
) -> NotificationPreference:
    """Switch push kinds on or off (`kinds` maps kind → on) and set or clear (None) the
    quiet hours. Kinds not named keep their setting; leaving `quiet_hours` out keeps it."""
    preference, _ = NotificationPreference.objects.select_for_update().get_or_create(user=user)
    if kinds:
        disabled = set(preference.disabled_kinds)
        for kind, is_on in kinds.items():
            (disabled.discard if is_on else disabled.add)(NotificationKind(kind).value)
        preference.disabled_kinds = sorted(disabled)
    if quiet_hours is not _UNSET:
        start, end = quiet_hours if quiet_hours else (None, None)
        if start is not None and start == end:
            raise ValidationFailed(
                extra={"fields": {"quiet_hours": ["Start and end must differ."]}}
            )
        preference.quiet_hours_start, preference.quiet_hours_end = start, end
    preference.save()
    return preference


def notifications_purge(*, older_than: timedelta, batch_size: int = 5000) -> int:
    """Delete notifications created before `older_than` ago, in batches (beat job)."""
    cutoff = timezone.now() - older_than
    total = 0
    while True:
        batch = list(
            Notification.objects.filter(created_at__lt=cutoff).values_list("pk", flat=True)[
                :batch_size
            ]
        )
        if not batch:
            return total
        deleted, _ = Notification.objects.filter(pk__in=batch).delete()
        total += deleted
