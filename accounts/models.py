import uuid

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from core.models import BaseModel, TimestampedModel


def normalize_email(email: str) -> str:
    """Emails are stored trimmed and lower-cased, so uniqueness ignores case."""
    return email.strip().lower()


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields: object) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=normalize_email(email), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: object) -> "User":
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **fields)

    def get_by_natural_key(self, email: str | None) -> "User":
        return self.get(email=normalize_email(email or ""))


class User(AbstractBaseUser, PermissionsMixin):
    """An account: how a person signs in. What others see lives in `profiles`."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Stored normalized (see normalize_email); the check constraint keeps it so, which makes
    # the plain unique index case-insensitive.
    email = models.EmailField(max_length=254, unique=True)
    # E.164 ("+14155550123"); NULL rather than "" so that uniqueness ignores absent phones.
    phone = models.CharField(max_length=16, unique=True, null=True, blank=True)
    # IANA name; daily quotas (likes) reset at midnight in this zone.
    time_zone = models.CharField(max_length=64, default="UTC")
    is_active = models.BooleanField(
        "active",
        default=True,
        help_text="Inactive accounts cannot sign in; their tokens stop working.",
    )
    is_staff = models.BooleanField(
        "staff status", default=False, help_text="May sign in to the admin."
    )
    banned_at = models.DateTimeField(
        null=True, blank=True, help_text="Set by moderation; a banned account cannot sign in."
    )
    suspended_until = models.DateTimeField(
        null=True, blank=True, help_text="Set by moderation; sign-in is refused until then."
    )
    date_joined = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    # Raised to revoke every access and refresh token issued before (logout-all, password
    # change, ban). Access tokens carry it in the `tv` claim.
    token_version = models.PositiveIntegerField(default=0)
    # Set when the person followed the link of the verification email (or a reset link,
    # which proves the same thing).
    email_verified_at = models.DateTimeField(null=True, blank=True)
    # Account deletion (DELETE /me): the account is deactivated at once and erased after
    # KINDRED_ACCOUNT_DELETION_GRACE_DAYS unless the person signs in again before then.
    deletion_requested_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Deletion requested; erased after the grace period unless the person signs in.",
    )
    # Set once the erasure ran: what remains of the row is an anonymous anchor for the
    # moderation evidence kept for its retention period.
    erased_at = models.DateTimeField(null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        ordering = ("-date_joined",)
        constraints = [
            models.CheckConstraint(
                condition=models.Q(email=Lower("email")), name="accounts_user_email_lowercase"
            ),
        ]
        indexes = [
            models.Index(fields=["last_seen_at"], name="accounts_user_last_seen"),
            # The erasure sweep: accounts whose grace period is over and not yet erased.
            models.Index(
                fields=["deletion_requested_at"],
                condition=models.Q(deletion_requested_at__isnull=False, erased_at__isnull=True),
                name="accounts_user_deletion_due",
            ),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def is_banned(self) -> bool:
        return self.banned_at is not None

    @property
    def is_suspended(self) -> bool:
        return self.suspended_until is not None and self.suspended_until > timezone.now()

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None

    @property
    def is_deletion_pending(self) -> bool:
        return self.deletion_requested_at is not None and self.erased_at is None


class RecoveryCode(BaseModel):
    """One MFA recovery code, stored as the SHA-256 of the code: the codes carry 80 random
    bits, so a plain hash is safe against guessing and lets a code be found by its hash.
    Shown once when MFA is confirmed; each works once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_codes"
    )
    code_hash = models.CharField(max_length=64, unique=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("created_at",)

    def __str__(self) -> str:
        return f"recovery code of {self.user_id}"


class LoginDevice(TimestampedModel):
    """A device and network a person signed in from: a sign-in from a combination not seen
    before (or not for KINDRED_LOGIN_DEVICE_MEMORY_DAYS) sends a new-login notice.

    `fingerprint` is the SHA-256 of the user id, the client IP and the user agent; the IP
    itself is not stored.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="login_devices"
    )
    fingerprint = models.CharField(max_length=64)
    user_agent = models.CharField(max_length=200, blank=True)
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-last_seen_at",)
        constraints = [
            models.UniqueConstraint(
                fields=["user", "fingerprint"], name="accounts_logindevice_once"
            ),
        ]
        indexes = [models.Index(fields=["last_seen_at"], name="accounts_logindevice_seen")]


class ExportStatus(models.TextChoices):
    PENDING = "pending", "Waiting"
    RUNNING = "running", "Building"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"
    EXPIRED = "expired", "Expired"


class DataExport(BaseModel):
    """A ZIP of everything held on a person (POST /me/export), built by a Celery job,
    stored privately and handed out through signed, expiring links until `expires_at`."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_exports"
    )
    status = models.CharField(
        max_length=12, choices=ExportStatus.choices, default=ExportStatus.PENDING
    )
    # Storage name of the archive; empty until ready and again once expired.
    file_name = models.CharField(max_length=255, blank=True)
    size_bytes = models.PositiveBigIntegerField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    failure_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ("-created_at",)
        indexes = [
            models.Index(fields=["user", "-created_at"], name="accounts_export_user_recent"),
            models.Index(
                fields=["expires_at"],
                condition=models.Q(status="ready"),
                name="accounts_export_expiry",
            ),
        ]

    def __str__(self) -> str:
        return f"export {self.id} of {self.user_id} ({self.status})"
