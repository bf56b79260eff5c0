"""Export and erasure of what notifications holds on a person (contract:
accounts.data_rights).

Export: the person's notifications (kind and times; the title and body only for notices
about their own account — like, match and message notifications quote other people, whose
likes and messages are exported by matching and chat instead), push devices (platform
and dates, not the token) and preferences.

Erasure: the person's notifications, devices and preferences, and the notifications other
people received about them (which carry their name and message previews).
"""

from uuid import UUID

from django.db.models import Q

from accounts.data_rights import ExportSection, People, iso
from notifications.models import (
    Notification,
    NotificationKind,
    NotificationPreference,
    PushDevice,
)

LABEL = "notifications"
ERASE_ORDER = 10

# Kinds whose text is about the person's own account only.
_OWN_TEXT_KINDS = {
    NotificationKind.MODERATION_NOTICE,
    NotificationKind.EXPORT_READY,
    NotificationKind.AI_JOB_COMPLETED,
}


def export_user_data(*, user_id: UUID, people: People) -> ExportSection:
    notifications = []
    for notification in Notification.objects.filter(user_id=user_id).order_by("created_at"):
        entry = {
            "kind": notification.kind,
            "created_at": iso(notification.created_at),
            "read_at": iso(notification.read_at),
        }
        if notification.kind in _OWN_TEXT_KINDS:
            entry["title"] = notification.title
            entry["body"] = notification.body
        notifications.append(entry)
    preference = NotificationPreference.objects.filter(user_id=user_id).first()
    return ExportSection(
        data={
            "notifications": notifications,
            "push_devices": [
                {
                    "platform": device.platform,
                    "registered_at": iso(device.created_at),
                    "updated_at": iso(device.updated_at),
                }
                for device in PushDevice.objects.filter(user_id=user_id).order_by("created_at")
            ],
            "preferences": (
                {
                    "disabled_kinds": list(preference.disabled_kinds),
                    "quiet_hours_start": iso(preference.quiet_hours_start),
                    "quiet_hours_end": iso(preference.quiet_hours_end),
                }
                if preference
                else None
            ),
        }
    )


def erase_user_data(*, user_id: UUID) -> None:
    about = str(user_id)
    Notification.objects.filter(
        Q(user_id=user_id) | Q(data__user_id=about) | Q(data__sender_id=about)
    ).delete()
    PushDevice.objects.filter(user_id=user_id).delete()
    NotificationPreference.objects.filter(user_id=user_id).delete()
