"""Typed errors that services raise; the exception handler renders each as
`{"code", "message", "extra"}` with its HTTP status (DESIGN.md §8).
"""

from typing import Any


class ApplicationError(Exception):
    """Base of every error a service raises on purpose. Subclasses fix the status."""

    status_code = 400
    default_code = "bad_request"
    default_message = "The request could not be processed."

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.code = code or self.default_code
        self.extra = extra or {}
        super().__init__(self.message)


class ValidationFailed(ApplicationError):
    status_code = 400
    default_code = "validation_error"
    default_message = "Some fields are invalid."


class AuthenticationRequired(ApplicationError):
    status_code = 401
    default_code = "not_authenticated"
    default_message = "Authentication credentials were not provided or are no longer valid."


class PermissionDenied(ApplicationError):
    status_code = 403
    default_code = "permission_denied"
    default_message = "You do not have permission to do this."


class NotFound(ApplicationError):
    """Also raised for objects that exist but are not the caller's, so ids leak nothing."""

    status_code = 404
    default_code = "not_found"
    default_message = "Not found."


class Conflict(ApplicationError):
    status_code = 409
    default_code = "conflict"
    default_message = "The request conflicts with the current state."


class PayloadTooLarge(ApplicationError):
    status_code = 413
    default_code = "request_too_large"
    default_message = "The request body is too large."


class RateLimited(ApplicationError):
    status_code = 429
    default_code = "rate_limited"
    default_message = "Too many requests. Try again later."

    def __init__(
        self,
        message: str | None = None,
        *,
        retry_after: int,
        code: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.retry_after = max(1, int(retry_after))
        super().__init__(
            message, code=code, extra={"retry_after": self.retry_after, **(extra or {})}
        )


class ServiceUnavailable(ApplicationError):
    status_code = 503
    default_code = "service_unavailable"
    default_message = "A service this request needs is unavailable. Try again shortly."
