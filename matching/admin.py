"""The moderators' view of likes, matches and abuse flags. Likes and matches are read-only
here (people write them through the API); abuse flags are resolved with an action, which
also lifts the person's slow-down."""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from matching.models import AbuseFlag, Like, Match
from matching.services import abuse_flags_resolve


class _ReadOnlyAdmin(admin.ModelAdmin):
    show_full_result_count = False
    list_per_page = 50

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Like)
class LikeAdmin(_ReadOnlyAdmin):
    list_display = ("actor", "target", "comment", "created_at")
    list_select_related = ("actor", "target")
    search_fields = ("=id", "actor__email", "target__email", "comment")
    list_filter = ("created_at",)
    date_hierarchy = "created_at"
    fields = ("id", "actor", "target", "comment", "photo", "prompt", "created_at")
    readonly_fields = fields


@admin.register(Match)
class MatchAdmin(_ReadOnlyAdmin):
    list_display = ("id", "user_low", "user_high", "state", "last_activity_at", "created_at")
    list_select_related = ("user_low", "user_high")
    search_fields = ("=id", "user_low__email", "user_high__email")
    list_filter = ("state", "created_at")
    date_hierarchy = "created_at"
    fields = (
        "id",
        "user_low",
        "user_high",
        "state",
        "state_changed_at",
        "ended_by",
        "last_activity_at",
        "created_at",
    )
    readonly_fields = fields


class ResolvedFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("open", "Open"), ("resolved", "Resolved")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "open":
            return queryset.filter(resolved_at__isnull=True)
        if self.value() == "resolved":
            return queryset.filter(resolved_at__isnull=False)
        return queryset


@admin.register(AbuseFlag)
class AbuseFlagAdmin(_ReadOnlyAdmin):
    list_display = ("user", "kind", "occurrences", "last_seen_at", "created_at", "resolved_at")
    list_select_related = ("user",)
    list_filter = (ResolvedFilter, "kind", "created_at")
    search_fields = ("user__email", "=user__id")
    date_hierarchy = "created_at"
    ordering = ("-last_seen_at",)
    actions = ("resolve_flags",)
    fields = (
        "user",
        "kind",
        "details",
        "occurrences",
        "created_at",
        "last_seen_at",
        "resolved_at",
        "resolved_by",
    )
    readonly_fields = fields

    @admin.action(description="Resolve (and lift the slow-down)", permissions=["view"])
    def resolve_flags(self, request: HttpRequest, queryset: QuerySet[AbuseFlag]) -> None:
        resolved = abuse_flags_resolve(
            flag_ids=list(queryset.values_list("pk", flat=True)),
            moderator=request.user,  # type: ignore[arg-type]
        )
        self.message_user(request, f"{resolved} flag(s) resolved.", messages.SUCCESS)
