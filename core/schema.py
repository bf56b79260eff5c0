"""OpenAPI pieces shared by every app: the error shape and its standard responses."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable snake_case error code.")
    message = serializers.CharField(help_text="Human-readable explanation.")
    extra = serializers.DictField(
        help_text="Details: `fields` for validation errors, `retry_after` for 429, ..."
    )


_DESCRIPTIONS = {
    400: "Invalid input (`validation_error` with `extra.fields`, or a rule's own code).",
    401: "Missing, invalid or revoked credentials.",
    403: "Not allowed.",
    404: "Not found, or not yours.",
    409: "Conflicts with existing state.",
    413: "Request body too large.",
    429: "Rate limited; see the `Retry-After` header.",
    503: "A dependency is unavailable.",
}


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """`responses=` entries documenting the error envelope for each status."""
    return {
        status: OpenApiResponse(response=ErrorSerializer, description=_DESCRIPTIONS[status])
        for status in statuses
    }


class KindredJWTScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.JWTAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
