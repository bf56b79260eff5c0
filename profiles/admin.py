"""The profiles part of the moderators' console. Photos and catalogs register their own
admins (photo_admin, catalog_admin); profiles and verification attempts are here."""

from typing import cast

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.models import User
from core.exceptions import Conflict
from profiles import catalog_admin, photo_admin  # noqa: F401  (registers their models)
from profiles.models import Profile, VerificationRequest, VerificationStatus
from profiles.services import verification_review


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = (
        "display_name",
        "user",
        "gender",
        "city",
        "is_complete",
        "is_verified",
        "is_paused",
        "updated_at",
    )
    list_filter = ("is_complete", "is_verified", "is_paused", "is_incognito", "gender")
    search_fields = ("display_name", "user__email", "city")
    list_select_related = ("user",)
    readonly_fields = (
        "user",
        "latitude",
        "longitude",
        "cell",
        "location_updated_at",
        "traits",
        "is_complete",
        "verified_at",
        "created_at",
        "updated_at",
    )
    filter_horizontal = ("interests",)
    show_full_result_count = False


@admin.register(VerificationRequest)
class VerificationRequestAdmin(admin.ModelAdmin):
    list_display = ("profile", "pose", "status", "submitted_at", "reviewed_by", "reviewed_at")
    list_filter = ("status", "pose")
    search_fields = ("profile__display_name", "profile__user__email")
    list_select_related = ("profile", "reviewed_by")
    readonly_fields = (
        "profile",
        "pose",
        "status",
        "challenge_expires_at",
        "selfie",
        "submitted_at",
        "reviewed_by",
        "reviewed_at",
        # Decisions (with their note) go through verification_review only.
        "review_note",
        "created_at",
    )
    actions = ("approve", "reject")
    ordering = ("submitted_at",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[VerificationRequest]:
        return super().get_queryset(request).exclude(status=VerificationStatus.CHALLENGED)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Approve the selected verifications", permissions=["change"])
    def approve(self, request: HttpRequest, queryset: QuerySet[VerificationRequest]) -> None:
        self._review(request, queryset, is_approved=True)

    @admin.action(description="Reject the selected verifications", permissions=["change"])
    def reject(self, request: HttpRequest, queryset: QuerySet[VerificationRequest]) -> None:
        self._review(request, queryset, is_approved=False)

    def _review(
        self, request: HttpRequest, queryset: QuerySet[VerificationRequest], *, is_approved: bool
    ) -> None:
        # The admin only lets signed-in staff reach an action.
        moderator = cast(User, request.user)
        done = skipped = 0
        for attempt in queryset:
            try:
                verification_review(
                    request_id=attempt.pk,
                    moderator=moderator,
                    is_approved=is_approved,
                )
                done += 1
            except Conflict:
                skipped += 1
        self.message_user(request, f"{done} reviewed, {skipped} not pending.", messages.INFO)
