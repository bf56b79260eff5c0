from django.conf import settings
from rest_framework import pagination
from rest_framework.request import Request


class CursorPagination(pagination.CursorPagination):
    """Opaque cursors (stable under inserts) with a `limit` capped at KINDRED_MAX_PAGE_SIZE.

    Responses are `{"results": [...], "next": url or null, "previous": url or null}`.
    Nonsense limits (zero, negative, not a number) fall back to the default page size.
    """

    ordering = "-created_at"
    page_size_query_param = "limit"

    def get_page_size(self, request: Request) -> int:
        default: int = settings.REST_FRAMEWORK["PAGE_SIZE"]
        raw = request.query_params.get(self.page_size_query_param)
        try:
            requested = int(raw) if raw is not None else default
        except ValueError:
            requested = default
        if requested < 1:
            requested = default
        return min(requested, settings.KINDRED_MAX_PAGE_SIZE)
