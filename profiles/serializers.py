"""Input and output shapes of the own-profile, location, public-profile and verification APIs."""

import math
from datetime import date
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from profiles.languages import LANGUAGE_CHOICES
from profiles.models import (
    MATRIMONY_FIELDS,
    MAX_AGE,
    MIN_AGE,
    Diet,
    Education,
    Frequency,
    Gender,
    IncomeBand,
    Interest,
    MaritalStatus,
    Profile,
    RelationshipIntent,
    VerificationStatus,
)
from profiles.onboarding import age_on

MAX_INTERESTS = 10
MAX_LANGUAGES = 10


class TrimmedCharField(serializers.CharField):
    """Trims, refuses NUL and other control characters (newlines allowed)."""

    def to_internal_value(self, data: Any) -> str:
        text = super().to_internal_value(data)
        if any(ord(character) < 32 and character not in "\n\t" for character in text):
            raise serializers.ValidationError(
                "Control characters are not allowed.", code="invalid_characters"
            )
        return text


class LanguageCodeField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=LANGUAGE_CHOICES, **kwargs)


class ProfileUpdateInput(serializers.Serializer):
    display_name = TrimmedCharField(min_length=1, max_length=50, required=False)
    birth_date = serializers.DateField(required=False)
    gender = serializers.ChoiceField(choices=Gender.choices, required=False)
    interested_in = serializers.ListField(
        child=serializers.ChoiceField(choices=Gender.choices), max_length=3, required=False
    )
    age_min = serializers.IntegerField(min_value=MIN_AGE, max_value=MAX_AGE, required=False)
    age_max = serializers.IntegerField(min_value=MIN_AGE, max_value=MAX_AGE, required=False)
    max_distance_km = serializers.IntegerField(min_value=1, max_value=500, required=False)
    wants_verified_only = serializers.BooleanField(required=False)
    bio = TrimmedCharField(max_length=500, allow_blank=True, required=False)
    height_cm = serializers.IntegerField(
        min_value=100, max_value=250, allow_null=True, required=False
    )
    relationship_intent = serializers.ChoiceField(
        choices=RelationshipIntent.choices, allow_blank=True, required=False
    )
    interests = serializers.ListField(
        child=serializers.SlugField(max_length=50), max_length=MAX_INTERESTS, required=False
    )
    languages = serializers.ListField(
        child=LanguageCodeField(), max_length=MAX_LANGUAGES, required=False
    )
    religion = TrimmedCharField(max_length=40, allow_blank=True, required=False)
    community = TrimmedCharField(max_length=60, allow_blank=True, required=False)
    mother_tongue = LanguageCodeField(allow_blank=True, required=False)
    marital_status = serializers.ChoiceField(
        choices=MaritalStatus.choices, allow_blank=True, required=False
    )
    education = serializers.ChoiceField(choices=Education.choices, allow_blank=True, required=False)
    occupation = TrimmedCharField(max_length=80, allow_blank=True, required=False)
    income_band = serializers.ChoiceField(
        choices=IncomeBand.choices, allow_blank=True, required=False
    )
    family_details = TrimmedCharField(max_length=500, allow_blank=True, required=False)
    diet = serializers.ChoiceField(choices=Diet.choices, allow_blank=True, required=False)
    smoking = serializers.ChoiceField(choices=Frequency.choices, allow_blank=True, required=False)
    drinking = serializers.ChoiceField(choices=Frequency.choices, allow_blank=True, required=False)
    is_paused = serializers.BooleanField(required=False)
    is_incognito = serializers.BooleanField(required=False)
    show_distance = serializers.BooleanField(required=False)
    show_age = serializers.BooleanField(required=False)

    def validate_birth_date(self, value: date) -> date:
        today = timezone.localdate()
        if value > today:
            raise serializers.ValidationError("The birth date is in the future.", code="in_future")
        age = age_on(value, today)
        if age < MIN_AGE:
            raise serializers.ValidationError(
                f"You must be at least {MIN_AGE} to use Kindred.", code="too_young"
            )
        if age > MAX_AGE + 20:
            raise serializers.ValidationError("Check the birth date.", code="implausible")
        return value

    def validate_interested_in(self, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))

    def validate_languages(self, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))

    def validate_interests(self, value: list[str]) -> list[str]:
        slugs = list(dict.fromkeys(value))
        known = set(
            Interest.objects.filter(slug__in=slugs, is_active=True).values_list("slug", flat=True)
        )
        unknown = [slug for slug in slugs if slug not in known]
        if unknown:
            raise serializers.ValidationError(
                f"Unknown interests: {', '.join(unknown)}.", code="unknown_interest"
            )
        return slugs


class LocationInput(serializers.Serializer):
    latitude = serializers.FloatField(min_value=-90, max_value=90)
    longitude = serializers.FloatField(min_value=-180, max_value=180)
    city = TrimmedCharField(max_length=80, allow_blank=True, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        for name in ("latitude", "longitude"):
            if not math.isfinite(attrs[name]):
                raise serializers.ValidationError({name: ["Must be a finite number."]})
        return attrs


class LocationOutput(serializers.Serializer):
    latitude = serializers.FloatField(allow_null=True, help_text="Snapped to a ~1 km grid.")
    longitude = serializers.FloatField(allow_null=True, help_text="Snapped to a ~1 km grid.")
    city = serializers.CharField()
    updated_at = serializers.DateTimeField(allow_null=True)


class OnboardingStepOutput(serializers.Serializer):
    name = serializers.CharField()
    is_required = serializers.BooleanField()
    is_done = serializers.BooleanField()


class OnboardingOutput(serializers.Serializer):
    steps = OnboardingStepOutput(many=True)
    completion_percent = serializers.IntegerField()
    is_complete = serializers.BooleanField()


class InterestOutput(serializers.ModelSerializer):
    class Meta:
        model = Interest
        fields = ("slug", "name", "category")


_DETAIL_FIELDS = (
    "display_name",
    "birth_date",
    "gender",
    "interested_in",
    "age_min",
    "age_max",
    "max_distance_km",
    "wants_verified_only",
    "bio",
    "height_cm",
    "relationship_intent",
    "languages",
    *MATRIMONY_FIELDS,
    "is_paused",
    "is_incognito",
    "show_distance",
    "show_age",
    "is_verified",
)


class OwnProfileOutput(serializers.ModelSerializer):
    """Everything about my own profile, my snapped location and my onboarding state."""

    id = serializers.UUIDField(source="user_id")
    age = serializers.SerializerMethodField()
    interests = InterestOutput(many=True)
    location = serializers.SerializerMethodField()
    is_discoverable = serializers.SerializerMethodField()
    onboarding = serializers.SerializerMethodField()

    class Meta:
        model = Profile
        fields = (
            "id",
            *_DETAIL_FIELDS,
            "age",
            "interests",
            "location",
            "is_discoverable",
            "onboarding",
        )

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_age(self, profile: Profile) -> int | None:
        return age_on(profile.birth_date, timezone.localdate()) if profile.birth_date else None

    @staticmethod
    def _location(profile: Profile) -> dict[str, Any]:
        return {
            "latitude": profile.latitude,
            "longitude": profile.longitude,
            "city": profile.city,
            "updated_at": profile.location_updated_at,
        }

    @extend_schema_field(LocationOutput)
    def get_location(self, profile: Profile) -> dict[str, Any]:
        return LocationOutput(self._location(profile)).data

    @extend_schema_field(serializers.BooleanField())
    def get_is_discoverable(self, profile: Profile) -> bool:
        return profile.is_complete and not profile.is_paused

    @extend_schema_field(OnboardingOutput)
    def get_onboarding(self, profile: Profile) -> dict[str, Any]:
        return OnboardingOutput(self.context["onboarding"]).data


class VerificationChallengeOutput(serializers.Serializer):
    id = serializers.UUIDField()
    pose = serializers.CharField()
    instruction = serializers.CharField()
    expires_at = serializers.DateTimeField()


class VerificationStatusOutput(serializers.Serializer):
    status = serializers.ChoiceField(choices=["none", *VerificationStatus.values])
    is_verified = serializers.BooleanField()
    challenge = VerificationChallengeOutput(allow_null=True)
    review_note = serializers.CharField(allow_blank=True)


class VerificationSubmitInput(serializers.Serializer):
    challenge_id = serializers.UUIDField()
    selfie = serializers.FileField()
