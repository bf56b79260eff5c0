from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from accounts.models import User, normalize_email


class NormalizedEmailMixin:
    """Emails are stored lower-cased (a database constraint insists), so clean them so."""

    cleaned_data: dict

    def clean_email(self) -> str:
        return normalize_email(self.cleaned_data["email"])


class UserCreationForm(NormalizedEmailMixin, AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class UserEditForm(NormalizedEmailMixin, UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    add_form = UserCreationForm
    form = UserEditForm
    list_display = (
        "email",
        "phone",
        "is_active",
        "is_staff",
        "banned_at",
        "suspended_until",
        "date_joined",
        "last_seen_at",
    )
    list_filter = ("is_active", "is_staff", "is_superuser", "groups", "date_joined", "last_seen_at")
    search_fields = ("email", "phone", "id")
    ordering = ("-date_joined",)
    date_hierarchy = "date_joined"
    # Bans and suspensions are moderation's sanctions (sessions, sockets, notice, audit,
    # appeal): never typed in here, by anyone.
    readonly_fields = (
        "id",
        "date_joined",
        "last_login",
        "last_seen_at",
        "token_version",
        "banned_at",
        "suspended_until",
        # Set by the account's own flows (verification link, DELETE /me, the erasure job).
        "email_verified_at",
        "deletion_requested_at",
        "erased_at",
    )
    list_per_page = 50
    show_full_result_count = False
    fieldsets = (
        (None, {"fields": ("id", "email", "password")}),
        ("Contact", {"fields": ("phone", "time_zone")}),
        ("Status", {"fields": ("is_active", "banned_at", "suspended_until", "token_version")}),
        (
            "Permissions",
            {"fields": ("is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Activity", {"fields": ("date_joined", "last_login", "last_seen_at")}),
        ("Lifecycle", {"fields": ("email_verified_at", "deletion_requested_at", "erased_at")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            # Credentials and privileges are for superusers only, whatever else staff hold.
            fields += ["password", "is_staff", "is_superuser", "groups", "user_permissions"]
        return fields

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> Any:
        if not request.user.is_superuser:
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)
