import uuid

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


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
        indexes = [models.Index(fields=["last_seen_at"], name="accounts_user_last_seen")]

    def __str__(self) -> str:
        return self.email

    @property
    def is_banned(self) -> bool:
        return self.banned_at is not None

    @property
    def is_suspended(self) -> bool:
        return self.suspended_until is not None and self.suspended_until > timezone.now()
