"""The public view of a profile: what other people may see, for one profile or a page of
them (discovery decks use the same context), in a fixed number of queries."""

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import User
from profiles import geo
from profiles.models import MATRIMONY_FIELDS, Profile, ProfileBadge, PromptAnswer
from profiles.onboarding import age_on
from profiles.photo_selectors import photo_list_public
from profiles.photo_serializers import PublicPhotoOutput
from profiles.quiz_serializers import BadgeOutput, PromptAnswerOutput
from profiles.serializers import InterestOutput

# Matrimony details appear only when filled in.
_DETAILS = MATRIMONY_FIELDS


def public_profile_context(*, viewer: User, profiles: Sequence[Profile]) -> dict[str, Any]:
    """Everything the serializer needs for `profiles`, fetched in three queries (photos,
    prompt answers, badges) plus the viewer's own location."""
    ids = [profile.pk for profile in profiles]
    photos = photo_list_public(profile_ids=ids)
    prompts: dict[Any, list[PromptAnswer]] = defaultdict(list)
    for answer in (
        PromptAnswer.objects.filter(profile_id__in=ids)
        .select_related("prompt")
        .order_by("profile_id", "position", "created_at")
    ):
        prompts[answer.profile_id].append(answer)
    badges: dict[Any, list[ProfileBadge]] = defaultdict(list)
    for badge in ProfileBadge.objects.filter(profile_id__in=ids).order_by("profile_id", "code"):
        badges[badge.profile_id].append(badge)
    origin = (
        Profile.objects.filter(pk=viewer.pk, latitude__isnull=False)
        .values_list("latitude", "longitude")
        .first()
    )
    return {"photos": photos, "prompts": prompts, "badges": badges, "origin": origin}


class PublicProfileOutput(serializers.ModelSerializer):
    id = serializers.UUIDField(source="user_id")
    age = serializers.SerializerMethodField()
    distance = serializers.SerializerMethodField(help_text='A bucket such as "< 2 km" or "15 km".')
    interests = InterestOutput(many=True)
    details = serializers.SerializerMethodField()
    photos = serializers.SerializerMethodField()
    prompts = serializers.SerializerMethodField()
    badges = serializers.SerializerMethodField()

    class Meta:
        model = Profile
        fields = (
            "id",
            "display_name",
            "age",
            "gender",
            "distance",
            "city",
            "bio",
            "height_cm",
            "relationship_intent",
            "languages",
            "interests",
            "details",
            "is_verified",
            "photos",
            "prompts",
            "badges",
        )

    def get_age(self, profile: Profile) -> int | None:
        if not profile.show_age or profile.birth_date is None:
            return None
        return age_on(profile.birth_date, timezone.localdate())

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_distance(self, profile: Profile) -> str | None:
        origin = self.context["origin"]
        if not profile.show_distance or origin is None or profile.latitude is None:
            return None
        assert profile.longitude is not None
        return geo.distance_bucket(
            geo.distance_km(origin[0], origin[1], profile.latitude, profile.longitude)
        )

    @extend_schema_field(serializers.DictField(child=serializers.CharField()))
    def get_details(self, profile: Profile) -> dict[str, str]:
        return {name: getattr(profile, name) for name in _DETAILS if getattr(profile, name)}

    @extend_schema_field(PublicPhotoOutput(many=True))
    def get_photos(self, profile: Profile) -> Any:
        return PublicPhotoOutput(self.context["photos"].get(profile.pk, []), many=True).data

    @extend_schema_field(PromptAnswerOutput(many=True))
    def get_prompts(self, profile: Profile) -> Any:
        return PromptAnswerOutput(self.context["prompts"].get(profile.pk, []), many=True).data

    @extend_schema_field(BadgeOutput(many=True))
    def get_badges(self, profile: Profile) -> Any:
        return BadgeOutput(self.context["badges"].get(profile.pk, []), many=True).data
