"""Deck input and output shapes (API.md: Deck)."""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from discovery.deck_services import REASONS, DeckCard, DeckPage
from profiles.photo_selectors import photo_signed_urls
from profiles.photo_serializers import PublicPhotoOutput

DECK_MAX_LIMIT = 50
DECK_DEFAULT_LIMIT = 10


class DeckQueryInput(serializers.Serializer):
    limit = serializers.IntegerField(
        min_value=1,
        max_value=DECK_MAX_LIMIT,
        default=DECK_DEFAULT_LIMIT,
        help_text=f"Profiles to take off the deck, 1–{DECK_MAX_LIMIT}.",
    )


class DeckCardOutput(serializers.Serializer):
    id = serializers.UUIDField(source="user_id", help_text="The person's user id.")
    display_name = serializers.CharField()
    age = serializers.IntegerField(allow_null=True, help_text="Null when they hide their age.")
    distance = serializers.CharField(
        allow_null=True,
        help_text='A bucket such as "< 2 km" or "15 km"; null when they hide their distance.',
    )
    is_verified = serializers.BooleanField()
    photos = serializers.SerializerMethodField()
    reasons = serializers.ListField(
        child=serializers.CharField(),
        help_text='Why this profile was chosen, e.g. ["12 km away", "New here"].',
    )

    @extend_schema_field(PublicPhotoOutput(many=True))
    def get_photos(self, card: DeckCard) -> list[Any]:
        return list(PublicPhotoOutput(card.photos, many=True).data)


class DeckOutput(serializers.Serializer):
    results = DeckCardOutput(many=True)
    radius_km = serializers.IntegerField(
        allow_null=True, help_text="The radius the deck was built with (it widens as needed)."
    )
    reason = serializers.ChoiceField(
        choices=[(reason, reason) for reason in REASONS],
        allow_null=True,
        help_text=(
            "Why `results` is empty: `no_location`, `incomplete_profile`, `no_candidates`, "
            "or `building` (try again shortly). Null when there are results."
        ),
    )


def deck_page_body(page: DeckPage) -> dict[str, Any]:
    """DeckOutput's representation of a page, built directly. DeckOutput stays the schema;
    building a page of 10 cards with photos through it took more CPU than the rest of
    GET /deck apart from authentication (discovery/tests/test_deck.py checks that both give
    the same)."""
    return {
        "results": [
            {
                "id": str(card.user_id),
                "display_name": card.display_name,
                "age": card.age,
                "distance": card.distance,
                "is_verified": card.is_verified,
                "photos": [
                    {
                        "urls": photo_signed_urls(photo=photo),
                        "id": str(photo.id),
                        "blurhash": photo.blurhash,
                        "width": photo.width,
                        "height": photo.height,
                    }
                    for photo in card.photos
                ],
                "reasons": list(card.reasons),
            }
            for card in page.results
        ],
        "radius_km": page.radius_km,
        "reason": page.reason,
    }
