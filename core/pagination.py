from django.conf import settings
from rest_framework import pagination
from rest_framework.request import Request


class CursorPagination(pagination.CursorPagination):
    """Opaque cursors (stable under inserts) with a `limit` capped at KINDRED_MAX_PAGE_SIZE.

    Responses are `{"results": [...], "next": url or null, "previous": url or null}`.
    """

    ordering = "-created_at"
    page_size_query_param = "limit"

    @property
    def max_page_size(self) -> int:  # type: ignore[override]
        return int(settings.KINDRED_MAX_PAGE_SIZE)

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return int(self.page_size or settings.REST_FRAMEWORK["PAGE_SIZE"])
        try:
            requested = int(raw)
        except ValueError:
            return int(self.page_size or settings.REST_FRAMEWORK["PAGE_SIZE"])
        return max(1, min(requested, self.max_page_size))
