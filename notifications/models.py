"""In-app notifications (the list at GET /api/v1/notifications), their delivery state,
push devices and each person's notification preferences.

A notification row is the in-app record and stays whatever happens to its delivery; the
delivery task (notifications.deliver) then sends it to an open socket, or as a push to the
user's devices, or decides not to push (preferences, quiet hours, collapse) and records why
in `delivery`.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q

from core.models import BaseModel, TimestampedModel


class NotificationKind(models.TextChoices):
    LIKE_RECEIVED = "like_received", "Like received"
    MATCH_CREATED = "match_created", "New match"
    MESSAGE_RECEIVED = "message_received", "New message"
    MODERATION_NOTICE = "moderation_notice", "Moderation notice"
    EXPORT_READY = "export_ready", "Data export ready"
    AI_JOB_COMPLETED = "ai_job_completed", "AI result ready"


class DeliveryOutcome(models.TextChoices):
    """What the delivery task did with a notification (blank until it has run)."""

    SOCKET = "socket", "Sent to an open socket"
    PUSH = "push", "Pushed to devices"
    PUSH_FAILED = "push_failed", "Push refused by the provider"
    NO_DEVICE = "no_device", "Offline, no push device"
    DISABLED = "disabled", "Push turned off for this kind"
    QUIET_HOURS = "quiet_hours", "Quiet hours"
    COLLAPSED = "collapsed", "Collapsed into an earlier push"
    INACTIVE = "inactive", "Account inactive"


class Notification(BaseModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=32, choices=NotificationKind.choices)
    title = models.CharField(max_length=120)
    body = models.CharField(max_length=500, blank=True, default="")
    # Ids the client needs to open the right screen (match_id, conversation_id, job_id, ...).
    data = models.JSONField(default=dict, blank=True)
    # Several notifications with one key (e.g. one conversation) collapse into one push.
    collapse_key = models.CharField(max_length=100, blank=True, default="")
    read_at = models.DateTimeField(null=True, blank=True)
    # Set once by the delivery task; a set value makes the task a no-op (idempotency).
    delivered_at = models.DateTimeField(null=True, blank=True)
    delivery = models.CharField(
        max_length=16, choices=DeliveryOutcome.choices, blank=True, default=""
    )
    # When a push for this notification went to at least one device; the collapse window
    # of later notifications with the same key is measured from here.
    push_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)
        indexes = [
            models.Index(fields=["user", "-created_at"], name="notification_user_recent"),
            # The unread badge: a count over a small partial index.
            models.Index(
                fields=["user"],
                condition=Q(read_at__isnull=True),
                name="notification_user_unread",
            ),
            # "Was this conversation pushed recently?" (the collapse rule).
            models.Index(
                fields=["user", "collapse_key", "-push_sent_at"],
                condition=Q(push_sent_at__isnull=False) & ~Q(collapse_key=""),
                name="notification_user_pushed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id}"


class DevicePlatform(models.TextChoices):
    ANDROID = "android", "Android"
    IOS = "ios", "iOS"
    WEB = "web", "Web"


class PushTokenKind(models.TextChoices):
    # FCM registration tokens (FirebaseMessaging.getToken), what most apps send today.
    REGISTRATION_TOKEN = "registration_token", "FCM registration token"
    # Firebase installation ids, which newer Firebase SDKs register instead (opt-in).
    INSTALLATION_ID = "installation_id", "Firebase installation id"


class PushDevice(BaseModel):
    """A push address of one app install. A token belongs to one user at a time:
    registering it again (another account signs in on the device) moves it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_devices"
    )
    token = models.CharField(max_length=512, unique=True)
    platform = models.CharField(max_length=16, choices=DevicePlatform.choices)
    token_kind = models.CharField(
        max_length=24, choices=PushTokenKind.choices, default=PushTokenKind.REGISTRATION_TOKEN
    )

    class Meta:
        ordering = ("-updated_at",)
        indexes = [models.Index(fields=["user", "-updated_at"], name="push_device_user")]

    def __str__(self) -> str:
        return f"{self.platform} device of {self.user_id}"


class NotificationPreference(TimestampedModel):
    """Push preferences of one user. No row means the defaults: every kind on, no quiet
    hours. Kinds are stored as the switched-off ones, so a kind added later starts on."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="notification_preference",
    )
    disabled_kinds = ArrayField(
        models.CharField(max_length=32, choices=NotificationKind.choices),
        default=list,
        blank=True,
    )
    # Local times in the user's time zone (User.time_zone); the range may wrap midnight.
    quiet_hours_start = models.TimeField(null=True, blank=True)
    quiet_hours_end = models.TimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(quiet_hours_start__isnull=True, quiet_hours_end__isnull=True)
                    | (
                        Q(quiet_hours_start__isnull=False, quiet_hours_end__isnull=False)
                        & ~Q(quiet_hours_start=models.F("quiet_hours_end"))
                    )
                ),
                name="notification_preference_quiet_hours_pair",
            ),
        ]

    def __str__(self) -> str:
        return f"notification preferences of {self.user_id}"
