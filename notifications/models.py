"""In-app notifications (the list at GET /api/v1/notifications); push delivery follows."""

from django.conf import settings
from django.db import models

from core.models import BaseModel


class NotificationKind(models.TextChoices):
    LIKE_RECEIVED = "like_received", "Like received"
    MATCH_CREATED = "match_created", "New match"
    MESSAGE_RECEIVED = "message_received", "New message"
    MODERATION_NOTICE = "moderation_notice", "Moderation notice"
    EXPORT_READY = "export_ready", "Data export ready"
    AI_JOB_COMPLETED = "ai_job_completed", "AI result ready"


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

    class Meta:
        ordering = ("-created_at",)
        indexes = [
            models.Index(fields=["user", "-created_at"], name="notification_user_recent"),
        ]
