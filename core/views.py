"""Django-level error handlers, so that paths DRF never sees answer in the same shape."""

from django.http import HttpRequest, JsonResponse

from core.errors import error_body
from core.logging import current_request_id


def not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse(error_body("not_found", "No such endpoint."), status=404)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse(
        error_body("bad_request", "The request could not be processed."), status=400
    )


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse(
        error_body("permission_denied", "You do not have permission to do this."), status=403
    )


def server_error(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        error_body(
            "internal_error",
            "Something went wrong on our side. It has been logged.",
            {"request_id": current_request_id()},
        ),
        status=500,
    )
