"""AI jobs in the moderators' console: read-only, for support ("why did my analysis
fail?"). What a job produced is someone's private coaching or draft messages, which
moderation has no use for: only superusers see `result`."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from ai_helpers.models import AIJob


@admin.register(AIJob)
class AIJobAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "user",
        "kind",
        "status",
        "provider",
        "error_code",
        "attempts",
        "created_at",
        "finished_at",
    )
    list_filter = ("kind", "status", "provider", "error_code")
    list_select_related = ("user",)
    search_fields = ("=id", "=user__id", "user__email")
    date_hierarchy = "created_at"
    show_full_result_count = False
    _fields = (
        "id",
        "user",
        "kind",
        "match",
        "status",
        "provider",
        "model_name",
        "error_code",
        "error_message",
        "attempts",
        "created_at",
        "started_at",
        "finished_at",
    )

    def get_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        if request.user.is_superuser:
            return (*self._fields, "result")
        return self._fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return self.get_fields(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
