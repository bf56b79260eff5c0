"""DRF's exception handler: every error becomes `{"code", "message", "extra"}`.

Unknown exceptions are logged (and so reach Sentry) and answered with a 500 in the same
shape, carrying the request id but never a traceback.
"""

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions as drf
from rest_framework.response import Response
from rest_framework.views import set_rollback

from core.errors import error_body
from core.exceptions import ApplicationError, RateLimited
from core.logging import current_request_id

logger = logging.getLogger(__name__)

# Codes for DRF's own exceptions where its default code is vaguer than ours.
_DRF_CODES: dict[type[drf.APIException], str] = {
    drf.ParseError: "malformed_request",
    drf.MethodNotAllowed: "method_not_allowed",
    drf.NotAcceptable: "not_acceptable",
    drf.UnsupportedMediaType: "unsupported_media_type",
    drf.Throttled: "rate_limited",
    drf.NotFound: "not_found",
}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    response = _render(exc)
    set_rollback()
    return response


def _render(exc: Exception) -> Response:
    if isinstance(exc, ApplicationError):
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else {}
        return _response(exc.status_code, exc.code, exc.message, exc.extra, headers)
    if isinstance(exc, Http404):
        return _response(404, "not_found", "Not found.")
    if isinstance(exc, DjangoPermissionDenied):
        return _response(403, "permission_denied", "You do not have permission to do this.")
    if isinstance(exc, RequestDataTooBig):
        return _response(413, "request_too_large", "The request body is too large.")
    if isinstance(exc, DjangoValidationError):
        fields = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        return _response(400, "validation_error", "Some fields are invalid.", {"fields": fields})
    if isinstance(exc, drf.ValidationError):
        return _response(
            400, "validation_error", "Some fields are invalid.", {"fields": _fields(exc.detail)}
        )
    if isinstance(exc, drf.APIException):
        return _render_api_exception(exc)

    logger.exception("unhandled error", exc_info=exc)
    return _response(
        500,
        "internal_error",
        "Something went wrong on our side. It has been logged.",
        {"request_id": current_request_id()},
    )


def _render_api_exception(exc: drf.APIException) -> Response:
    detail = exc.detail
    code = _DRF_CODES.get(type(exc))
    extra: dict[str, Any] = {}
    # simplejwt's InvalidToken carries {"detail", "code", "messages"}.
    if isinstance(detail, dict):
        message = str(detail.get("detail", "The request could not be processed."))
        code = code or str(detail.get("code", exc.default_code))
    else:
        message = str(detail)
        codes = exc.get_codes()
        code = code or (codes if isinstance(codes, str) else exc.default_code)

    headers: dict[str, str] = {}
    auth_header = getattr(exc, "auth_header", None)
    if auth_header:
        headers["WWW-Authenticate"] = auth_header
    wait = getattr(exc, "wait", None)
    if wait is not None:
        retry_after = max(1, int(wait + 0.999))
        headers["Retry-After"] = str(retry_after)
        extra["retry_after"] = retry_after
        message = "Too many requests. Try again later."
    return _response(exc.status_code, code, message, extra, headers)


def _fields(detail: Any) -> dict[str, Any]:
    if isinstance(detail, dict):
        return {str(key): _messages(value) for key, value in detail.items()}
    return {"non_field_errors": _messages(detail)}


def _messages(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(key): _messages(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_messages(item) for item in value]
    return str(value)


def _response(
    status: int,
    code: str,
    message: str,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    return Response(error_body(code, message, extra), status=status, headers=headers)
