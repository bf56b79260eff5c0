"""Socket events of notifications (DESIGN.md §7):

- `{"type": "notifications.created", "notification": {...}, "unread_count": n}` — sent by
  the delivery task to a user who is online when it runs;
- `{"type": "notifications.read", "ids": [...] | null, "unread_count": n}` — after a read
  (ids null: everything was marked read), so the user's other sockets update their badge.
"""

from typing import Any
from uuid import UUID

from core.realtime import send_to_users, send_to_users_on_commit
from notifications.models import Notification


def notification_payload(notification: Notification) -> dict[str, Any]:
    """The shape of a notification on the socket; the same as in GET /notifications."""
    from notifications.serializers import NotificationOutput

    return dict(NotificationOutput(notification).data)


def notification_created_send(*, notification: Notification, unread_count: int) -> None:
    """Send now: call only outside a transaction (the delivery task)."""
    send_to_users(
        [notification.user_id],
        {
            "type": "notifications.created",
            "notification": notification_payload(notification),
            "unread_count": unread_count,
        },
    )


def notifications_read_on_commit(
    *, user_id: UUID, ids: list[UUID] | None, unread_count: int
) -> None:
    send_to_users_on_commit(
        [user_id],
        {
            "type": "notifications.read",
            "ids": None if ids is None else [str(notification_id) for notification_id in ids],
            "unread_count": unread_count,
        },
    )
