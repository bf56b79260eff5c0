"""Django-level error handlers, so that paths DRF never sees answer in the same shape.

The admin is a web page for people: it keeps Django's HTML error pages.
"""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

from core.errors import error_body
from core.logging import current_request_id


def _is_admin(request: HttpRequest) -> bool:
    return request.path.startswith("/admin/")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_admin(request) and exception is not None:
        return defaults.page_not_found(request, exception)
    return JsonResponse(error_body("not_found", "No such endpoint."), status=404)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse(
        error_body("bad_request", "The request could not be processed."), status=400
    )


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_admin(request) and exception is not None:
        return defaults.permission_denied(request, exception)
    return JsonResponse(
        error_body("permission_denied", "You do not have permission to do this."), status=403
    )


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_admin(request):
        return defaults.server_error(request)
    return JsonResponse(
        error_body(
            "internal_error",
            "Something went wrong on our side. It has been logged.",
            {"request_id": current_request_id()},
        ),
        status=500,
    )
