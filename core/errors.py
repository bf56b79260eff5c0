"""The one shape of every error response: `{"code", "message", "extra"}`."""

from typing import Any

from django.http import JsonResponse

from core.exceptions import ApplicationError, RateLimited


def error_body(code: str, message: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "extra": extra or {}}


def error_response(error: ApplicationError) -> JsonResponse:
    """A plain Django response for an error raised outside DRF (middleware, URL handlers)."""
    response = JsonResponse(
        error_body(error.code, error.message, error.extra), status=error.status_code
    )
    if isinstance(error, RateLimited):
        response["Retry-After"] = str(error.retry_after)
    return response
