"""Chat in the moderation console: flags to review, and read-only conversations and
messages (moderators read them when handling a report; nobody edits them here)."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from chat.models import ChatFlag, ChatPreference, Conversation, Message


class ReadOnlyAdmin(admin.ModelAdmin):
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ChatFlag)
class ChatFlagAdmin(admin.ModelAdmin):
    list_display = ("reason", "user", "conversation", "created_at", "reviewed_at")
    list_filter = ("reason", ("reviewed_at", admin.EmptyFieldListFilter))
    list_select_related = ("user",)
    search_fields = ("user__email", "body")
    raw_id_fields = ("user", "conversation")
    readonly_fields = ("user", "conversation", "reason", "body", "details", "created_at")
    date_hierarchy = "created_at"
    actions = ["mark_reviewed"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Mark the selected flags reviewed")
    def mark_reviewed(self, request: HttpRequest, queryset: QuerySet[ChatFlag]) -> None:
        updated = queryset.filter(reviewed_at__isnull=True).update(reviewed_at=timezone.now())
        self.message_user(request, f"{updated} flag(s) marked reviewed.")


@admin.register(Conversation)
class ConversationAdmin(ReadOnlyAdmin):
    list_display = ("match", "last_seq", "last_activity_at", "closed_at")
    list_filter = (("closed_at", admin.EmptyFieldListFilter),)
    search_fields = ("match__id",)
    readonly_fields = ("match", "last_seq", "last_activity_at", "closed_at", "created_at")


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ("conversation", "seq", "sender", "kind", "created_at")
    list_select_related = ("sender",)
    list_filter = ("kind",)
    # Exact ids only: moderators open the messages a report points at, not browse text.
    search_fields = ("=conversation__match__id", "=id")
    raw_id_fields = ("conversation", "sender")


@admin.register(ChatPreference)
class ChatPreferenceAdmin(ReadOnlyAdmin):
    list_display = ("user", "send_read_receipts", "allow_calls", "updated_at")
    search_fields = ("user__email",)
