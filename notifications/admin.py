"""Read-only views for staff: what was notified to whom and how it was delivered, and
which push devices a user has (tokens shortened)."""

from django.contrib import admin
from django.http import HttpRequest

from notifications.models import Notification, PushDevice


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows are written by the app only; staff look, never edit."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "user", "kind", "title", "read_at", "delivery", "delivered_at")
    list_filter = ("kind", "delivery", "created_at")
    list_select_related = ("user",)
    search_fields = ("user__email", "=id", "=user__id")
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    list_per_page = 50
    show_full_result_count = False
    fields = (
        "id",
        "user",
        "kind",
        "title",
        "body",
        "data",
        "collapse_key",
        "created_at",
        "read_at",
        "delivery",
        "delivered_at",
        "push_sent_at",
    )
    readonly_fields = fields


@admin.register(PushDevice)
class PushDeviceAdmin(ReadOnlyAdmin):
    list_display = ("user", "platform", "short_token", "created_at", "updated_at")
    list_filter = ("platform",)
    list_select_related = ("user",)
    search_fields = ("user__email", "=user__id")
    ordering = ("-updated_at",)
    list_per_page = 50
    show_full_result_count = False
    fields = ("id", "user", "platform", "short_token", "created_at", "updated_at")
    readonly_fields = fields

    @admin.display(description="token")
    def short_token(self, device: PushDevice) -> str:
        # The full token would let anyone who reads the page push to that phone.
        return f"…{device.token[-8:]}"
