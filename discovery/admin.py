from django.contrib import admin
from django.http import HttpRequest

from discovery.models import Exposure, Pass, ShortlistEntry


@admin.register(Pass)
class PassAdmin(admin.ModelAdmin):
    """Read-only: passes are written by people swiping and deleted by the expiry job."""

    list_display = ("actor", "target", "created_at")
    list_select_related = ("actor", "target")
    raw_id_fields = ("actor", "target")
    readonly_fields = ("actor", "target", "created_at", "updated_at")
    date_hierarchy = "created_at"
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Pass | None = None) -> bool:
        return False


@admin.register(ShortlistEntry)
class ShortlistEntryAdmin(admin.ModelAdmin):
    list_display = ("owner", "target", "created_at")
    list_select_related = ("owner", "target")
    raw_id_fields = ("owner", "target")
    readonly_fields = ("created_at", "updated_at")
    show_full_result_count = False


@admin.register(Exposure)
class ExposureAdmin(admin.ModelAdmin):
    list_display = ("user", "shown_count", "liked_count", "updated_at")
    search_fields = ("user__email",)
    list_select_related = ("user",)
    readonly_fields = ("user", "shown_count", "liked_count", "created_at", "updated_at")
