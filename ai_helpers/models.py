"""AI jobs: one row per request for a profile analysis or match openers, run by a Celery
task on the `ai` queue and read back by its requester only."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.models import BaseModel


class AIJobKind(models.TextChoices):
    PROFILE_ANALYSIS = "profile_analysis", "Profile analysis"
    OPENERS = "openers", "Match openers"


class AIJobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


FINISHED_STATUSES = (AIJobStatus.SUCCEEDED, AIJobStatus.FAILED)


class AIProviderName(models.TextChoices):
    OPENAI = "openai", "OpenAI-compatible API"
    LOCAL = "local", "Local rules"


class AIJob(BaseModel):
    """A job of `user`. `result` is set once it succeeds, `error_code` once it fails; the
    provider that answered (or failed) is recorded, so a client can tell rule-based results
    from a model's."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=AIJobKind.choices)
    # Openers only. Deleted with the match: the result is drawn from the other person's
    # profile, which must not outlive their account.
    match = models.ForeignKey(
        "matching.Match", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        max_length=12, choices=AIJobStatus.choices, default=AIJobStatus.QUEUED
    )
    provider = models.CharField(max_length=12, choices=AIProviderName.choices, blank=True)
    model_name = models.CharField(max_length=100, blank=True)
    result = models.JSONField(null=True, blank=True)
    error_code = models.CharField(max_length=40, blank=True)
    error_message = models.CharField(max_length=200, blank=True)
    # Calls made to the provider (retries included).
    attempts = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)
        verbose_name = "AI job"
        indexes = [
            models.Index(fields=["user", "-created_at"], name="ai_job_user_recent"),
            # The sweep looks for unfinished jobs by age.
            models.Index(
                fields=["created_at"],
                condition=Q(status__in=["queued", "running"]),
                name="ai_job_unfinished",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="openers", match__isnull=False)
                | Q(kind="profile_analysis", match__isnull=True),
                name="ai_job_match_iff_openers",
            ),
            models.CheckConstraint(
                condition=~Q(status="succeeded") | Q(result__isnull=False),
                name="ai_job_succeeded_has_result",
            ),
            models.CheckConstraint(
                condition=~Q(status="failed") | ~Q(error_code=""),
                name="ai_job_failed_has_error",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_STATUSES
