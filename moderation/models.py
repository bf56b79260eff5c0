"""Moderation's records: blocks, reports with their frozen evidence, sanctions, appeals and
the append-only audit log. Blocks are read only through `moderation.selectors` everywhere.

People's rows may go away (account deletion); what moderation must keep (reports, evidence
within its retention, audit entries) points at users with SET_NULL or without a database
constraint, never with CASCADE.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q

from core.models import BaseModel
from profiles.models import Photo, VerificationRequest


class Block(BaseModel):
    """`blocker` blocked `blocked`: each is hidden from the other everywhere (deck, search,
    picks, likes, matches, profile views, chat), whoever blocked whom."""

    blocker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    blocked = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        ordering = ("-created_at",)
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="moderation_block_once"),
            models.CheckConstraint(
                condition=~Q(blocker=F("blocked")), name="moderation_block_not_self"
            ),
        ]
        indexes = [models.Index(fields=["blocked"], name="moderation_block_blocked")]


class ReportReason(models.TextChoices):
    FAKE_PROFILE = "fake_profile", "Fake profile"
    HARASSMENT = "harassment", "Harassment"
    SPAM_OR_SCAM = "spam_or_scam", "Spam or scam"
    INAPPROPRIATE_PHOTOS = "inappropriate_photos", "Inappropriate photos"
    UNDERAGE = "underage", "Underage"
    OFFLINE_BEHAVIOUR = "offline_behaviour", "Offline behaviour"
    OTHER = "other", "Other"


class ReportStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACTIONED = "actioned", "Actioned"
    DISMISSED = "dismissed", "Dismissed"


class Report(BaseModel):
    """One person's report of another. Reporting the same person again while the report is
    open adds to it (reasons, a new evidence snapshot) instead of opening another one.

    `priority` orders the queue; it is recomputed from the reasons and from automatic
    signals (distinct established reporters, abuse flags) on every new report or flag.
    """

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reported = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The most serious reason given (it drives priority); `reasons` holds every one given.
    reason = models.CharField(max_length=24, choices=ReportReason.choices)
    reasons = ArrayField(models.CharField(max_length=24, choices=ReportReason.choices))
    submission_count = models.PositiveIntegerField(default=1)
    last_submitted_at = models.DateTimeField()
    status = models.CharField(
        max_length=12, choices=ReportStatus.choices, default=ReportStatus.OPEN
    )
    priority = models.IntegerField(default=0)
    # Why the priority is what it is, for the moderator: {"reason": 30, "reporters": 2, ...}.
    priority_factors = models.JSONField(default=dict, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_note = models.TextField(blank=True)
    sanction = models.ForeignKey(
        "Sanction", on_delete=models.SET_NULL, null=True, blank=True, related_name="reports"
    )
    evidence_purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-priority", "created_at")
        constraints = [
            models.UniqueConstraint(
                fields=["reporter", "reported"],
                condition=Q(status="open"),
                name="moderation_report_one_open_per_pair",
            ),
            models.CheckConstraint(
                condition=~Q(reporter=F("reported")), name="moderation_report_not_self"
            ),
        ]
        indexes = [
            models.Index(
                fields=["-priority", "created_at"],
                condition=Q(status="open"),
                name="moderation_report_queue",
            ),
            models.Index(fields=["reported", "status"], name="moderation_report_reported"),
            models.Index(fields=["status", "resolved_at"], name="moderation_report_resolved"),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} report {str(self.pk)[:8]}"


class Evidence(BaseModel):
    """What one report submission saw, frozen at that instant: the reported profile's public
    fields and photo list, the messages the reporter pointed at, and the pair's latest
    messages. Readable only by moderators (the admin), each read audited. Purged
    KINDRED_EVIDENCE_RETENTION_DAYS after the report is closed."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="evidence")
    reason = models.CharField(max_length=24, choices=ReportReason.choices)
    details = models.TextField(blank=True)
    profile = models.JSONField(default=dict, blank=True)
    referenced_messages = models.JSONField(default=list, blank=True)
    recent_messages = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ("report", "created_at")
        verbose_name_plural = "evidence"


class SanctionKind(models.TextChoices):
    WARNING = "warning", "Warning"
    VERIFICATION_REQUIRED = "verification_required", "Verification required"
    SUSPENSION = "suspension", "Suspension"
    BAN = "ban", "Ban"
    PHOTO_REMOVED = "photo_removed", "Photo removed"
    TEXT_REMOVED = "text_removed", "Text removed"


class SanctionStatus(models.TextChoices):
    ACTIVE = "active", "In force"
    ENDED = "ended", "Ended"  # a suspension that ran out, a verification done
    OVERTURNED = "overturned", "Overturned on appeal"


class Sanction(BaseModel):
    """A moderator's decision about a person, with the policy reason in words they see
    (`GET /moderation/sanctions`, the notice). Appealable once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sanctions"
    )
    kind = models.CharField(max_length=24, choices=SanctionKind.choices)
    status = models.CharField(
        max_length=12, choices=SanctionStatus.choices, default=SanctionStatus.ACTIVE
    )
    policy_reason = models.CharField(
        max_length=500, help_text="Shown to the person: which rule, in plain words."
    )
    note = models.TextField(blank=True, help_text="Internal; never shown to the person.")
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    ends_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    # What a removal removed, kept so that an overturned appeal can restore it:
    # {"photo_id": ...} or {"field": "bio", "text": ...} or {"prompt_id": ..., "answer": ...}.
    removed_content = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ("-created_at",)
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="suspension") | Q(ends_at__isnull=False),
                name="moderation_sanction_suspension_has_end",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="moderation_sanction_user"),
            models.Index(
                fields=["ends_at"],
                condition=Q(kind="suspension", status="active"),
                name="moderation_sanction_running",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_status_display().lower()})"


class AppealStatus(models.TextChoices):
    PENDING = "pending", "Waiting for review"
    UPHELD = "upheld", "Upheld"
    OVERTURNED = "overturned", "Overturned"


class Appeal(BaseModel):
    """The one appeal a sanction allows, decided by a moderator other than the one who
    imposed the sanction."""

    sanction = models.OneToOneField(Sanction, on_delete=models.CASCADE, related_name="appeal")
    message = models.TextField(blank=True)
    status = models.CharField(
        max_length=12, choices=AppealStatus.choices, default=AppealStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(
        max_length=500, blank=True, help_text="Shown to the person with the decision."
    )

    class Meta:
        ordering = ("created_at",)
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(status="pending"),
                name="moderation_appeal_queue",
            ),
        ]

    def __str__(self) -> str:
        return f"Appeal of {self.sanction}"


class AuditAction(models.TextChoices):
    REPORT_DISMISSED = "report_dismissed", "Report dismissed"
    SANCTION_APPLIED = "sanction_applied", "Sanction applied"
    SANCTION_ENDED = "sanction_ended", "Sanction ended"
    APPEAL_UPHELD = "appeal_upheld", "Appeal upheld"
    APPEAL_OVERTURNED = "appeal_overturned", "Appeal overturned"
    PHOTO_APPROVED = "photo_approved", "Photo approved"
    PHOTO_REJECTED = "photo_rejected", "Photo rejected"
    VERIFICATION_APPROVED = "verification_approved", "Verification approved"
    VERIFICATION_REJECTED = "verification_rejected", "Verification rejected"
    EVIDENCE_VIEWED = "evidence_viewed", "Evidence viewed"
    CONVERSATION_VIEWED = "conversation_viewed", "Private message viewed"
    FLAG_REVIEWED = "flag_reviewed", "Abuse flag reviewed"


class AuditEntry(models.Model):
    """Who did what to which target, when and why. Append-only: the database refuses
    updates and deletes (a trigger, see migration 0003) except the retention purge, and
    the admin shows it read-only to everyone. `actor` has no database constraint, so the
    entry outlives the moderator's account; `actor_email` keeps who it was."""

    id = models.BigAutoField(primary_key=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_email = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=32, choices=AuditAction.choices)
    target_type = models.CharField(max_length=40)
    target_id = models.CharField(max_length=64)
    # The person the action concerns (the reported or sanctioned user), for filtering.
    subject_user_id = models.UUIDField(null=True, blank=True)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(fields=["target_type", "target_id"], name="moderation_audit_target"),
            models.Index(fields=["subject_user_id"], name="moderation_audit_subject"),
            models.Index(fields=["actor", "-created_at"], name="moderation_audit_actor"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} by {self.actor_email or 'system'}"


class PhotoReview(Photo):
    """The photo queue: profiles' photos as the moderators' console lists them. A proxy, so
    that the queue and its permissions belong to moderation (the Moderators group) while
    profiles keeps its own admin."""

    class Meta:
        proxy = True
        verbose_name = "photo to review"
        verbose_name_plural = "photo queue"


class VerificationReview(VerificationRequest):
    """The verification queue: selfies waiting for a moderator (a proxy, like PhotoReview)."""

    class Meta:
        proxy = True
        verbose_name = "verification to review"
        verbose_name_plural = "verification queue"
