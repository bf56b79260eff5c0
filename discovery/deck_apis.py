"""The swipe deck: the next profiles from my precomputed deck."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import AuthenticatedRequest
from core.schema import error_responses
from core.validation import validated
from discovery.deck_serializers import (
    DECK_DEFAULT_LIMIT,
    DECK_MAX_LIMIT,
    DeckOutput,
    DeckQueryInput,
    deck_page_body,
)
from discovery.deck_services import deck_page


class DeckApi(APIView):
    @extend_schema(
        operation_id="discovery_deck",
        summary="Next profiles of my deck",
        description=(
            "Takes the next `limit` profiles off my ranked deck: a profile is served once, "
            "even to two requests at the same instant. Profiles I passed on, or who became "
            "invisible to me, since the deck was built are left out. The first call builds "
            "the deck; later ones refill it in the background. An empty `results` comes with "
            "a `reason` instead of an error."
        ),
        parameters=[
            OpenApiParameter(
                "limit",
                OpenApiTypes.INT,
                OpenApiParameter.QUERY,
                description=f"1–{DECK_MAX_LIMIT}, default {DECK_DEFAULT_LIMIT}.",
            )
        ],
        responses={200: DeckOutput, **error_responses(400, 401)},
        tags=["discovery"],
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        data = validated(DeckQueryInput, request.query_params)
        page = deck_page(user=request.user, limit=data["limit"])
        return Response(deck_page_body(page))
