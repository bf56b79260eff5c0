"""Creating notifications. Every app calls `notify`; delivery (socket, push) is a task."""

from typing import Any
from uuid import UUID

from django.db import transaction

from notifications.models import Notification, NotificationKind


def notify(
    *,
    user_id: UUID,
    kind: NotificationKind | str,
    title: str,
    body: str = "",
    data: dict[str, Any] | None = None,
    collapse_key: str = "",
) -> None:
    """Record an in-app notification for `user_id` once the current transaction commits
    (so a rolled-back like or message notifies nobody), then schedule its delivery."""

    def create() -> None:
        Notification.objects.create(
            user_id=user_id,
            kind=kind,
            title=title,
            body=body,
            data=data or {},
            collapse_key=collapse_key,
        )

    transaction.on_commit(create)
