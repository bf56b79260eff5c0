"""Likes and matches. A match is one row per unordered pair (`user_low` < `user_high`), so
two people liking each other at the same instant still make exactly one (DESIGN.md §6)."""

from uuid import UUID

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from core.models import BaseModel, TimestampedModel


class Like(BaseModel):
    """`actor` liked `target`, optionally on one of their photos or prompt answers, with an
    optional comment. One per (actor, target)."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    target = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    comment = models.CharField(max_length=300, blank=True, default="")
    photo = models.ForeignKey(
        "profiles.Photo", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    prompt = models.ForeignKey(
        "profiles.PromptAnswer", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ("-created_at",)
        constraints = [
            models.UniqueConstraint(fields=["actor", "target"], name="matching_like_once"),
            models.CheckConstraint(condition=~Q(actor=F("target")), name="matching_like_not_self"),
        ]
        indexes = [
            models.Index(fields=["target", "-created_at"], name="matching_like_received"),
            models.Index(fields=["actor", "-created_at"], name="matching_like_sent"),
        ]


class MatchState(models.TextChoices):
    ACTIVE = "active", "Active"
    DATING = "dating", "Dating"
    ARCHIVED = "archived", "Archived"
    UNMATCHED = "unmatched", "Unmatched"
    DELETED = "deleted", "Deleted"


# States in which the two may still talk to each other.
OPEN_MATCH_STATES = (MatchState.ACTIVE, MatchState.DATING, MatchState.ARCHIVED)


class Match(BaseModel):
    """Two people who liked each other. `last_activity_at` moves with every message (chat
    calls `matching.services`), which orders the match list and drives auto-archiving."""

    # No index of their own: every lookup by either person is served by the pair key
    # (user_low first) and the two activity indexes, and each index more is one more entry
    # written whenever a message moves the match's activity.
    user_low = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    user_high = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    state = models.CharField(max_length=16, choices=MatchState.choices, default=MatchState.ACTIVE)
    state_changed_at = models.DateTimeField(default=timezone.now)
    # Who ended the match (unmatch, block, deletion); null while it is open.
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    last_activity_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-last_activity_at",)
        verbose_name_plural = "matches"
        constraints = [
            models.UniqueConstraint(fields=["user_low", "user_high"], name="matching_match_pair"),
            models.CheckConstraint(
                condition=Q(user_low__lt=F("user_high")), name="matching_match_ordered_pair"
            ),
        ]
        indexes = [
            models.Index(fields=["user_low", "-last_activity_at"], name="matching_match_low"),
            models.Index(fields=["user_high", "-last_activity_at"], name="matching_match_high"),
            models.Index(fields=["state", "last_activity_at"], name="matching_match_state"),
        ]

    def __str__(self) -> str:
        return f"{self.user_low_id} ↔ {self.user_high_id} ({self.state})"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_MATCH_STATES

    def other_user_id(self, user_id: UUID) -> UUID:
        return self.user_high_id if user_id == self.user_low_id else self.user_low_id


class LikeQuota(TimestampedModel):
    """One row per person who has liked: the counters behind the like quotas, moved only by
    `matching.services.like_create` in one upsert that also locks the row, so concurrent
    likes of one person queue on it and each sees the counts the previous one left
    (DESIGN.md §6: quotas checked under a row lock). A refused like rolls its increment back.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    # The person's local day (User.time_zone) that `day_count` counts.
    day = models.DateField()
    day_count = models.PositiveIntegerField(default=0)
    total_count = models.PositiveIntegerField(default=0)
    # When the latest likes were sent (the newest last, a few kept): the burst signal.
    recent_at = ArrayField(models.DateTimeField(), default=list, blank=True)
    # Set by an abuse signal: likes are refused (429 `like_rate_limited`) until then.
    slowed_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "like quota"

    def __str__(self) -> str:
        return f"like quota of {self.user_id}"


class AbuseKind(models.TextChoices):
    RAPID_LIKES = "rapid_likes", "Many likes in a short time"
    REPEATED_COMMENT = "repeated_comment", "Same comment sent repeatedly"


class AbuseFlag(BaseModel):
    """A sign of abuse on someone's likes, for moderators (the admin). One open flag per
    person and kind: a repeat raises `occurrences` and `last_seen_at` instead of a new row.
    Resolving it (admin action) also lifts the person's slow-down."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=32, choices=AbuseKind.choices)
    details = models.JSONField(default=dict, blank=True)
    occurrences = models.PositiveIntegerField(default=1)
    last_seen_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ("-last_seen_at",)
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind"],
                condition=Q(resolved_at__isnull=True),
                name="matching_abuseflag_one_open",
            ),
        ]
        indexes = [
            models.Index(
                fields=["-last_seen_at"],
                condition=Q(resolved_at__isnull=True),
                name="matching_abuseflag_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.user_id}"

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None
