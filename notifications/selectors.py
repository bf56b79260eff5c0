"""Reads of notifications, devices and preferences; always scoped to one user."""

import logging
from datetime import datetime, time
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import redis
from django.db.models import QuerySet

from accounts.models import User
from core import presence
from notifications.models import Notification, NotificationPreference, PushDevice

logger = logging.getLogger(__name__)


def user_is_online(user_id: UUID) -> bool:
    """Whether the user has an open socket (core.presence). When presence can't be read,
    offline: a push or a row too many beats a notification lost."""
    try:
        return presence.is_online(user_id)
    except redis.RedisError:
        logger.warning("presence of %s unknown; treating as offline", user_id, exc_info=True)
        return False


def notification_list_for_user(*, user: User, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's notifications, newest first (the cursor paginator orders them)."""
    queryset = Notification.objects.filter(user=user)
    if unread_only:
        queryset = queryset.filter(read_at__isnull=True)
    return queryset


def notification_unread_count(*, user: User | UUID) -> int:
    user_id = user.pk if isinstance(user, User) else user
    return Notification.objects.filter(user_id=user_id, read_at__isnull=True).count()


def notification_preferences_for_user(*, user: User | UUID) -> NotificationPreference:
    """The user's preferences; an unsaved default (everything on, no quiet hours) when they
    never changed them, so reading never writes."""
    user_id = user.pk if isinstance(user, User) else user
    preference = NotificationPreference.objects.filter(user_id=user_id).first()
    return preference or NotificationPreference(user_id=user_id)


def push_devices_for_user(*, user_id: UUID) -> list[PushDevice]:
    return list(PushDevice.objects.filter(user_id=user_id).order_by("-updated_at"))


def user_zone(user: User) -> ZoneInfo:
    try:
        return ZoneInfo(user.time_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def is_quiet_time(*, preference: NotificationPreference, user: User, at: datetime) -> bool:
    """Whether `at` falls in the user's quiet hours, read in their time zone. The range is
    start-inclusive, end-exclusive, and wraps midnight when it ends before it starts."""
    start, end = preference.quiet_hours_start, preference.quiet_hours_end
    if start is None or end is None:
        return False
    local = at.astimezone(user_zone(user)).time().replace(tzinfo=None)
    return _within(local, start, end)


def _within(moment: time, start: time, end: time) -> bool:
    if start < end:
        return start <= moment < end
    return moment >= start or moment < end
