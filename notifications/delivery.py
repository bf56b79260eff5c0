"""Delivering one notification (the work of the `notifications.deliver` task).

Order of decisions, once per notification:

1. already delivered (delivered_at set) or being delivered by another worker → nothing;
2. account inactive → no delivery;
3. user online (core.presence) → the `notifications.created` socket event, no push;
4. otherwise push, unless the kind is switched off, it is the user's quiet hours (their
   time zone), or an unread notification with the same collapse key was pushed within
   KINDRED_PUSH_COLLAPSE_MINUTES (the device already shows that conversation);
5. the provider's invalid tokens are deleted; transient failures raise
   `PushTemporarilyFailed` so the task retries.

The in-app row always stays. The outcome is stored in `delivery` with `delivered_at`.
"""

import logging
from datetime import datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.utils import timezone

from core.redis import get_redis, redis_key
from notifications import events
from notifications.models import DeliveryOutcome, Notification
from notifications.push import PushMessage, PushTarget, get_push_provider, push_data
from notifications.selectors import (
    is_quiet_time,
    notification_preferences_for_user,
    notification_unread_count,
    push_devices_for_user,
    user_is_online,
)
from notifications.services import push_devices_remove

logger = logging.getLogger(__name__)

# A worker holds a notification this long while delivering it (longer than a provider
# call with its timeout), so a duplicate task run at the same time sends nothing.
CLAIM_SECONDS = 120


class PushTemporarilyFailed(Exception):
    """Every device failed for a transient reason (quota, outage, timeout): retry later."""


def notification_deliver(*, notification_id: UUID) -> DeliveryOutcome | None:
    """Deliver one notification; returns the outcome, or None when there was nothing to do
    (unknown id, already delivered, or another worker is on it). Idempotent."""
    notification = Notification.objects.select_related("user").filter(pk=notification_id).first()
    if notification is None or notification.delivered_at is not None:
        return None
    claim = redis_key("notifications", "delivering", notification_id)
    if not get_redis().set(claim, "1", nx=True, ex=CLAIM_SECONDS):
        return None
    try:
        now = timezone.now()
        outcome = _deliver(notification, now=now)
        _record(notification, outcome=outcome, now=now)
        return outcome
    finally:
        get_redis().delete(claim)


def notification_give_up(*, notification_id: UUID) -> None:
    """Record that pushing failed for good (retries exhausted); the in-app row stays."""
    _record_by_id(notification_id, outcome=DeliveryOutcome.PUSH_FAILED, now=timezone.now())


def _deliver(notification: Notification, *, now: datetime) -> DeliveryOutcome:
    user = notification.user
    if not user.is_active:
        return DeliveryOutcome.INACTIVE
    if user_is_online(user.pk):
        events.notification_created_send(
            notification=notification, unread_count=notification_unread_count(user=user)
        )
        return DeliveryOutcome.SOCKET
    preference = notification_preferences_for_user(user=user)
    if notification.kind in preference.disabled_kinds:
        return DeliveryOutcome.DISABLED
    if is_quiet_time(preference=preference, user=user, at=now):
        return DeliveryOutcome.QUIET_HOURS
    if notification.collapse_key and _pushed_recently(notification, now=now):
        return DeliveryOutcome.COLLAPSED
    devices = push_devices_for_user(user_id=user.pk)
    if not devices:
        return DeliveryOutcome.NO_DEVICE
    provider = get_push_provider()
    result = provider.send(
        message=_push_message(notification),
        targets=[
            PushTarget(token=device.token, platform=device.platform, token_kind=device.token_kind)
            for device in devices
        ],
    )
    removed = push_devices_remove(tokens=result.invalid)
    if removed:
        logger.info("removed %s invalid push token(s) of %s", removed, user.pk)
    if result.sent:
        return DeliveryOutcome.PUSH
    if result.retryable:
        raise PushTemporarilyFailed(f"{len(result.retryable)} device(s) failed transiently")
    return DeliveryOutcome.NO_DEVICE if not result.failed else DeliveryOutcome.PUSH_FAILED


def _pushed_recently(notification: Notification, *, now: datetime) -> bool:
    window = timedelta(minutes=settings.KINDRED_PUSH_COLLAPSE_MINUTES)
    return (
        Notification.objects.filter(
            user_id=notification.user_id,
            collapse_key=notification.collapse_key,
            push_sent_at__gte=now - window,
            read_at__isnull=True,
        )
        .exclude(pk=notification.pk)
        .exists()
    )


def _push_message(notification: Notification) -> PushMessage:
    unread = notification_unread_count(user=notification.user_id)
    values = {
        **notification.data,
        "notification_id": str(notification.pk),
        "kind": notification.kind,
    }
    if notification.collapse_key:
        values["collapse_key"] = notification.collapse_key
        # How many unread notifications this push stands for (e.g. messages of one
        # conversation), so the app can say "3 new messages".
        values["group_unread_count"] = Notification.objects.filter(
            user_id=notification.user_id,
            collapse_key=notification.collapse_key,
            read_at__isnull=True,
        ).count()
    return PushMessage(
        notification_id=str(notification.pk),
        kind=notification.kind,
        title=notification.title,
        body=notification.body,
        data=push_data(values),
        collapse_key=notification.collapse_key,
        badge=unread,
    )


def _record(notification: Notification, *, outcome: DeliveryOutcome, now: datetime) -> None:
    _record_by_id(notification.pk, outcome=outcome, now=now)


def _record_by_id(notification_id: UUID, *, outcome: DeliveryOutcome, now: datetime) -> None:
    Notification.objects.filter(pk=notification_id, delivered_at__isnull=True).update(
        delivered_at=now,
        delivery=outcome,
        push_sent_at=now if outcome == DeliveryOutcome.PUSH else None,
    )
