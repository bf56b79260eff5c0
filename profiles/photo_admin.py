"""The moderators' photo queue: thumbnails, filters, bulk approve and reject.

Photos are never added or edited here, and moderators reject rather than delete (a rejected
photo stays as evidence and is hidden from everyone but its owner). Every state change goes
through `photo_set_moderation_state`, so onboarding completion follows.
"""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from accounts.models import User
from profiles.models import ModerationState, Photo
from profiles.photo_selectors import photo_signed_urls
from profiles.photo_services import photo_set_moderation_state


@admin.register(Photo)
class PhotoAdmin(admin.ModelAdmin):
    list_display = (
        "thumbnail",
        "profile",
        "position",
        "status",
        "moderation_state",
        "created_at",
    )
    list_display_links = ("thumbnail", "profile")
    list_filter = ("moderation_state", "status", "created_at")
    list_select_related = ("profile",)
    search_fields = ("=id", "=profile__user__id", "profile__user__email", "profile__display_name")
    ordering = ("-created_at",)
    date_hierarchy = "created_at"
    list_per_page = 50
    show_full_result_count = False
    actions = ("approve_photos", "reject_photos")
    fields = (
        "preview",
        "id",
        "profile",
        "position",
        "status",
        "moderation_state",
        "failure_reason",
        "content_type",
        "width",
        "height",
        "blurhash",
        "created_at",
        "processed_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The change page is a read-only view; state changes go through the actions.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="photo")
    def thumbnail(self, photo: Photo) -> str:
        urls = photo_signed_urls(photo=photo)
        if urls is None:
            return photo.get_status_display()
        return format_html(
            '<img src="{}" alt="photo {}" style="max-height:80px;max-width:80px" loading="lazy">',
            urls["small"],
            photo.id,
        )

    @admin.display(description="preview")
    def preview(self, photo: Photo) -> str:
        urls = photo_signed_urls(photo=photo)
        if urls is None:
            return photo.get_status_display()
        return format_html('<img src="{}" alt="" style="max-width:400px">', urls["medium"])

    @admin.action(description="Approve the selected photos", permissions=["moderate"])
    def approve_photos(self, request: HttpRequest, queryset: QuerySet[Photo]) -> None:
        self._moderate(request, queryset, ModerationState.APPROVED)

    @admin.action(description="Reject the selected photos", permissions=["moderate"])
    def reject_photos(self, request: HttpRequest, queryset: QuerySet[Photo]) -> None:
        self._moderate(request, queryset, ModerationState.REJECTED)

    def has_moderate_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("profiles.change_photo")

    def _moderate(self, request: HttpRequest, queryset: QuerySet[Photo], state: str) -> None:
        moderator = request.user if isinstance(request.user, User) else None
        photo_ids = list(queryset.values_list("id", flat=True))
        for photo_id in photo_ids:
            photo_set_moderation_state(photo_id=photo_id, state=state, moderator=moderator)
        self.message_user(
            request,
            f"{len(photo_ids)} photo(s) marked {ModerationState(state).label.lower()}.",
            messages.SUCCESS,
        )
