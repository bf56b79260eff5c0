"""The admin site moderators work in: Django's admin, plus a TOTP second factor for every
staff sign-in when KINDRED_ADMIN_REQUIRE_OTP is on (production).

With the setting on, this behaves as django-otp's OTPAdminSite: the login form asks for a
code from one of the person's registered TOTP devices, and a session that did not pass
that step (`request.user.is_verified()`, set by OTPMiddleware) is treated as not staff.
With it off (local runs, most tests), it is Django's plain admin site. The setting is read
per request, so tests can switch it.
"""

from typing import Any

from django.conf import settings
from django.contrib.admin import AdminSite
from django.contrib.admin.forms import AdminAuthenticationForm
from django.http import HttpRequest
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite


def admin_requires_otp() -> bool:
    return bool(settings.KINDRED_ADMIN_REQUIRE_OTP)


class ConsoleAdminSite(OTPAdminSite):
    site_header = "Kindred moderation console"
    site_title = "Kindred admin"
    index_title = "Moderation and accounts"

    def __init__(self, name: str = "admin") -> None:
        super().__init__(name)

    @property
    def login_form(self) -> Any:
        return OTPAdminAuthenticationForm if admin_requires_otp() else AdminAuthenticationForm

    @property
    def login_template(self) -> Any:
        return OTPAdminSite.login_template if admin_requires_otp() else None

    def has_permission(self, request: HttpRequest) -> bool:
        if not AdminSite.has_permission(self, request):
            return False
        return not admin_requires_otp() or request.user.is_verified()  # type: ignore[union-attr]
