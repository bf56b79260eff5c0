"""What people see of each other: the profile, its photos, prompts, quiz answers, traits,
badges and verification.

A profile's primary key is its user's id, so that a person is one id everywhere
(`/profiles/{id}`, `target_id`, `user_id`).
"""

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from core.models import BaseModel, TimestampedModel

MIN_AGE = 18
MAX_AGE = 100
MAX_PHOTOS = 6
MAX_PROMPT_ANSWERS = 3
TRAIT_COUNT = 6
# The optional matrimony-style details, in display order.
MATRIMONY_FIELDS = (
    "religion",
    "community",
    "mother_tongue",
    "marital_status",
    "education",
    "occupation",
    "income_band",
    "family_details",
    "diet",
    "smoking",
    "drinking",
)


class Gender(models.TextChoices):
    WOMAN = "woman", "Woman"
    MAN = "man", "Man"
    NONBINARY = "nonbinary", "Non-binary"


class RelationshipIntent(models.TextChoices):
    LONG_TERM = "long_term", "Long-term partner"
    LONG_TERM_OPEN = "long_term_open", "Long-term, open to short"
    SHORT_TERM_OPEN = "short_term_open", "Short-term, open to long"
    SHORT_TERM = "short_term", "Short-term fun"
    FRIENDS = "friends", "New friends"
    MARRIAGE = "marriage", "Marriage"
    FIGURING_OUT = "figuring_out", "Still figuring it out"


class MaritalStatus(models.TextChoices):
    NEVER_MARRIED = "never_married", "Never married"
    DIVORCED = "divorced", "Divorced"
    WIDOWED = "widowed", "Widowed"
    SEPARATED = "separated", "Separated"
    AWAITING_DIVORCE = "awaiting_divorce", "Awaiting divorce"


class Education(models.TextChoices):
    HIGH_SCHOOL = "high_school", "High school"
    VOCATIONAL = "vocational", "Vocational"
    BACHELORS = "bachelors", "Bachelor's degree"
    MASTERS = "masters", "Master's degree"
    DOCTORATE = "doctorate", "Doctorate"
    OTHER = "other", "Other"


class IncomeBand(models.TextChoices):
    UNDISCLOSED = "undisclosed", "Prefer not to say"
    LOW = "low", "Under 25k"
    LOWER_MIDDLE = "lower_middle", "25k–50k"
    MIDDLE = "middle", "50k–100k"
    UPPER_MIDDLE = "upper_middle", "100k–200k"
    HIGH = "high", "Over 200k"


class Diet(models.TextChoices):
    OMNIVORE = "omnivore", "Omnivore"
    VEGETARIAN = "vegetarian", "Vegetarian"
    VEGAN = "vegan", "Vegan"
    EGGETARIAN = "eggetarian", "Eggetarian"
    PESCATARIAN = "pescatarian", "Pescatarian"
    HALAL = "halal", "Halal"
    KOSHER = "kosher", "Kosher"
    JAIN = "jain", "Jain"


class Frequency(models.TextChoices):
    NEVER = "never", "Never"
    SOMETIMES = "sometimes", "Sometimes"
    OFTEN = "often", "Often"
    QUITTING = "quitting", "Trying to quit"


class Interest(BaseModel):
    """The catalog of interests people pick from; managed in the admin."""

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=60)
    category = models.CharField(max_length=40, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ("category", "name")

    def __str__(self) -> str:
        return self.name


class Profile(TimestampedModel):
    """One per user, created with the account. Discoverable only when complete."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="profile"
    )

    # Basics
    display_name = models.CharField(max_length=50, blank=True)
    birth_date = models.DateField(null=True, blank=True)
    gender = models.CharField(max_length=16, choices=Gender.choices, blank=True)
    height_cm = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(100), MaxValueValidator(250)]
    )
    bio = models.CharField(max_length=500, blank=True)
    relationship_intent = models.CharField(
        max_length=20, choices=RelationshipIntent.choices, blank=True
    )
    interests = models.ManyToManyField(Interest, blank=True, related_name="profiles")
    # ISO 639-1 codes, e.g. ["en", "hi"].
    languages = ArrayField(models.CharField(max_length=3), default=list, blank=True)

    # Preferences (what I want); discovery checks them both ways.
    interested_in = ArrayField(
        models.CharField(max_length=16, choices=Gender.choices), default=list, blank=True
    )
    age_min = models.PositiveSmallIntegerField(default=MIN_AGE)
    age_max = models.PositiveSmallIntegerField(default=60)
    max_distance_km = models.PositiveSmallIntegerField(default=50)
    wants_verified_only = models.BooleanField(default=False)

    # Matrimony details, all optional.
    religion = models.CharField(max_length=40, blank=True)
    community = models.CharField(max_length=60, blank=True)
    mother_tongue = models.CharField(max_length=3, blank=True)
    marital_status = models.CharField(max_length=20, choices=MaritalStatus.choices, blank=True)
    education = models.CharField(max_length=20, choices=Education.choices, blank=True)
    occupation = models.CharField(max_length=80, blank=True)
    income_band = models.CharField(max_length=20, choices=IncomeBand.choices, blank=True)
    family_details = models.CharField(max_length=500, blank=True)
    diet = models.CharField(max_length=20, choices=Diet.choices, blank=True)
    smoking = models.CharField(max_length=12, choices=Frequency.choices, blank=True)
    drinking = models.CharField(max_length=12, choices=Frequency.choices, blank=True)

    # Privacy switches
    is_paused = models.BooleanField(default=False, help_text="Snoozed: hidden from everyone.")
    is_incognito = models.BooleanField(
        default=False, help_text="Seen only by people this person liked."
    )
    show_distance = models.BooleanField(default=True)
    show_age = models.BooleanField(default=True)

    # Location: only ever the snapped point (~1 km grid) and its discovery cell.
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    cell = models.IntegerField(null=True, blank=True)
    city = models.CharField(max_length=80, blank=True)
    location_updated_at = models.DateTimeField(null=True, blank=True)

    # Quiz traits: TRAIT_COUNT scores 0–100 in profiles.traits.TRAITS order; null until done.
    traits = ArrayField(models.PositiveSmallIntegerField(), size=TRAIT_COUNT, null=True, blank=True)

    is_verified = models.BooleanField(default=False)
    verified_at = models.DateTimeField(null=True, blank=True)
    # Kept in step with the onboarding rules by profiles.services (see onboarding.py).
    is_complete = models.BooleanField(default=False)
    # Complete, not paused, and the account active and not banned or suspended: the set
    # discovery draws from. Maintained by profiles.services.profile_refresh_completion.
    is_discoverable = models.BooleanField(default=False)

    class Meta:
        indexes = [
            # Discovery's candidate retrieval (DESIGN.md §4): cells covering the radius, the
            # genders I want, my age window; everything the two-way checks and the distance
            # recheck need is included, so the scan never visits the table.
            models.Index(
                fields=["cell", "gender", "birth_date"],
                include=[
                    "user",
                    "latitude",
                    "longitude",
                    "interested_in",
                    "age_min",
                    "age_max",
                    "max_distance_km",
                    "is_verified",
                    "wants_verified_only",
                ],
                condition=Q(is_discoverable=True, is_incognito=False),
                name="profiles_discovery_candidates",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(age_min__gte=MIN_AGE) & Q(age_max__lte=MAX_AGE),
                name="profiles_profile_age_range_bounds",
            ),
            models.CheckConstraint(
                condition=Q(age_min__lte=models.F("age_max")),
                name="profiles_profile_age_range_ordered",
            ),
            models.CheckConstraint(
                condition=Q(max_distance_km__gte=1) & Q(max_distance_km__lte=500),
                name="profiles_profile_max_distance_range",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True, cell__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False, cell__isnull=False),
                name="profiles_profile_location_all_or_nothing",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or str(self.user_id)


class PhotoStatus(models.TextChoices):
    PROCESSING = "processing", "Processing"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class ModerationState(models.TextChoices):
    PENDING = "pending", "Pending review"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


def photo_original_path(photo: "Photo", filename: str) -> str:
    # The client's file name is never kept: it may carry personal information.
    return f"photos/{photo.profile_id}/{photo.id}/original"


class Photo(BaseModel):
    """A profile photo. The original upload is private; clients see WebP renditions only,
    through signed, expiring URLs, and others see it only once approved."""

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="photos")
    position = models.PositiveSmallIntegerField(help_text="0 is the primary photo.")
    status = models.CharField(
        max_length=12, choices=PhotoStatus.choices, default=PhotoStatus.PROCESSING
    )
    moderation_state = models.CharField(
        max_length=12, choices=ModerationState.choices, default=ModerationState.PENDING
    )
    original = models.FileField(upload_to=photo_original_path, max_length=255)
    content_type = models.CharField(max_length=40, blank=True)
    # Storage names of the WebP renditions: {"small": ..., "medium": ..., "large": ...}.
    renditions = models.JSONField(default=dict, blank=True)
    blurhash = models.CharField(max_length=64, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    failure_reason = models.CharField(max_length=200, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("profile", "position")
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "position"],
                name="profiles_photo_position_unique",
                deferrable=models.Deferrable.DEFERRED,
            ),
        ]
        indexes = [
            models.Index(
                fields=["moderation_state", "created_at"], name="profiles_photo_moderation"
            ),
        ]

    def __str__(self) -> str:
        return f"photo {self.position} of {self.profile_id}"


class Prompt(BaseModel):
    """A prompt from the catalog ("My ideal Sunday is…"); managed in the admin."""

    text = models.CharField(max_length=120, unique=True)
    category = models.CharField(max_length=40, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ("category", "text")

    def __str__(self) -> str:
        return self.text


class PromptAnswer(BaseModel):
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="prompt_answers")
    prompt = models.ForeignKey(Prompt, on_delete=models.PROTECT, related_name="answers")
    answer = models.CharField(max_length=300)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ("profile", "position", "created_at")
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "prompt"], name="profiles_promptanswer_one_per_prompt"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prompt}: {self.answer[:40]}"


class QuizQuestion(BaseModel):
    """One question of the behavioural quiz; seeded by a data migration, edited in the admin."""

    text = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField(unique=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ("position",)

    def __str__(self) -> str:
        return self.text


class QuizOption(BaseModel):
    question = models.ForeignKey(QuizQuestion, on_delete=models.CASCADE, related_name="options")
    text = models.CharField(max_length=120)
    position = models.PositiveSmallIntegerField()
    # How choosing this option moves each trait: {"adventure": 2, "planning": -1, ...}.
    trait_weights = models.JSONField(default=dict)

    class Meta:
        ordering = ("question", "position")
        constraints = [
            models.UniqueConstraint(
                fields=["question", "position"], name="profiles_quizoption_position_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.text


class QuizAnswer(BaseModel):
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="quiz_answers")
    question = models.ForeignKey(QuizQuestion, on_delete=models.CASCADE, related_name="answers")
    option = models.ForeignKey(QuizOption, on_delete=models.CASCADE, related_name="answers")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "question"], name="profiles_quizanswer_one_per_question"
            ),
        ]


class Compatibility(TimestampedModel):
    """Cached compatibility of an unordered pair (`low` has the smaller user id)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    low = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="+")
    high = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="+")
    score = models.PositiveSmallIntegerField()
    # Per-trait labels and "why you might click" lines, as served by the API.
    details = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["low", "high"], name="profiles_compatibility_pair"),
            models.CheckConstraint(
                condition=Q(low__lt=models.F("high")), name="profiles_compatibility_ordered"
            ),
        ]


class BadgeCode(models.TextChoices):
    VERIFIED = "verified", "Verified"
    GREAT_COMMUNICATOR = "great_communicator", "Great communicator"
    ADVENTURER = "adventurer", "Adventurer"
    PLANNER = "planner", "Planner"
    PHOTOGENIC = "photogenic", "Photo-complete"
    COMPLETE_PROFILE = "complete_profile", "Complete profile"
    STORYTELLER = "storyteller", "Storyteller"


class ProfileBadge(BaseModel):
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="badges")
    code = models.CharField(max_length=32, choices=BadgeCode.choices)

    class Meta:
        ordering = ("profile", "code")
        constraints = [
            models.UniqueConstraint(fields=["profile", "code"], name="profiles_badge_once"),
        ]


class VerificationPose(models.TextChoices):
    THUMBS_UP = "thumbs_up", "Give a thumbs up"
    PEACE_SIGN = "peace_sign", "Make a peace sign"
    HAND_ON_CHIN = "hand_on_chin", "Rest your chin on your hand"
    TOUCH_EAR = "touch_ear", "Touch your left ear"
    WAVE = "wave", "Wave at the camera"
    POINT_UP = "point_up", "Point up with one finger"


class VerificationStatus(models.TextChoices):
    CHALLENGED = "challenged", "Waiting for the selfie"
    PENDING = "pending", "Waiting for review"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    EXPIRED = "expired", "Expired"


def verification_selfie_path(request: "VerificationRequest", filename: str) -> str:
    return f"verification/{request.profile_id}/{request.id}"


class VerificationRequest(BaseModel):
    """One attempt: the server picks a pose (the challenge), the person answers with a selfie,
    a moderator compares it with the profile photos. A challenge is answered at most once."""

    profile = models.ForeignKey(
        Profile, on_delete=models.CASCADE, related_name="verification_requests"
    )
    pose = models.CharField(max_length=20, choices=VerificationPose.choices)
    status = models.CharField(
        max_length=12, choices=VerificationStatus.choices, default=VerificationStatus.CHALLENGED
    )
    challenge_expires_at = models.DateTimeField()
    selfie = models.FileField(upload_to=verification_selfie_path, max_length=255, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ("-created_at",)
        constraints = [
            # At most one attempt waiting for review per profile.
            models.UniqueConstraint(
                fields=["profile"],
                condition=Q(status="pending"),
                name="profiles_verification_one_pending",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "submitted_at"], name="profiles_verification_queue"),
        ]
