"""Chat in the moderation console: flags to review, and read-only conversations and
messages (moderators read them when handling a report; nobody edits them here)."""

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from chat.models import ChatFlag, ChatPreference, Conversation, Message
from moderation.audit import audit_record
from moderation.models import AuditAction


def audit_private_read(
    request: HttpRequest, *, target_type: str, target_id: str, subject: Any
) -> None:
    """Every staff read of private chat text leaves an audit entry (issue 7)."""
    audit_record(
        actor=request.user,  # type: ignore[arg-type]
        action=AuditAction.CONVERSATION_VIEWED,
        target_type=target_type,
        target_id=target_id,
        subject_user_id=subject,
        reason="Opened in the moderation console",
    )


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

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        flag = ChatFlag.objects.filter(pk=object_id).only("user_id").first()
        if flag is not None and self.has_view_permission(request, flag):
            audit_private_read(
                request, target_type="chat.chatflag", target_id=object_id, subject=flag.user_id
            )
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description="Mark the selected flags reviewed")
    def mark_reviewed(self, request: HttpRequest, queryset: QuerySet[ChatFlag]) -> None:
        with transaction.atomic():
            flags = list(queryset.filter(reviewed_at__isnull=True).select_for_update())
            ChatFlag.objects.filter(pk__in=[flag.pk for flag in flags]).update(
                reviewed_at=timezone.now()
            )
            for flag in flags:
                audit_record(
                    actor=request.user,  # type: ignore[arg-type]
                    action=AuditAction.FLAG_REVIEWED,
                    target_type="chat.chatflag",
                    target_id=flag.pk,
                    subject_user_id=flag.user_id,
                    reason="Marked reviewed in the moderation console",
                )
        self.message_user(request, f"{len(flags)} flag(s) marked reviewed.")


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

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        message = Message.objects.filter(pk=object_id).only("sender_id").first()
        if message is not None and self.has_view_permission(request, message):
            audit_private_read(
                request, target_type="chat.message", target_id=object_id, subject=message.sender_id
            )
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(ChatPreference)
class ChatPreferenceAdmin(ReadOnlyAdmin):
    list_display = ("user", "send_read_receipts", "allow_calls", "updated_at")
    search_fields = ("user__email",)
