import zoneinfo
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from accounts.models import ExportStatus, User
from accounts.validators import normalize_phone


class PhoneField(serializers.CharField):
    """A phone number in international form, returned as E.164."""

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("max_length", 32)
        super().__init__(**kwargs)  # type: ignore[arg-type]

    def to_internal_value(self, data: Any) -> str:
        text = super().to_internal_value(data)
        try:
            return normalize_phone(text)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages, code="invalid_phone") from error


class SignupInput(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False)
    phone = PhoneField(required=False, allow_null=True)


class LoginInput(serializers.Serializer):
    email = serializers.CharField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False)
    otp = serializers.CharField(
        max_length=32,
        required=False,
        allow_blank=True,
        help_text=(
            "With MFA on: the 6-digit code of the authenticator app, or one unused recovery "
            "code (XXXX-XXXX-XXXX-XXXX)."
        ),
    )


class RefreshInput(serializers.Serializer):
    refresh = serializers.CharField(max_length=4096)


class PasswordChangeInput(serializers.Serializer):
    current_password = serializers.CharField(max_length=128, trim_whitespace=False)
    new_password = serializers.CharField(max_length=128, trim_whitespace=False)


class MeUpdateInput(serializers.Serializer):
    phone = PhoneField(required=False, allow_null=True)
    time_zone = serializers.CharField(required=False, max_length=64)

    def validate_time_zone(self, value: str) -> str:
        if value not in zoneinfo.available_timezones():
            raise serializers.ValidationError(
                "Unknown time zone; use an IANA name such as Europe/Paris.",
                code="invalid_time_zone",
            )
        return value


class UserBriefOutput(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ("id", "email")


class MeOutput(serializers.ModelSerializer):
    mfa_enabled = serializers.SerializerMethodField(
        help_text="Two-factor authentication is on: sign-in needs `otp`."
    )

    class Meta:
        model = User
        fields = (
            "id",
            "email",
            "email_verified_at",
            "phone",
            "time_zone",
            "date_joined",
            "last_seen_at",
            "mfa_enabled",
        )

    def get_mfa_enabled(self, user: User) -> bool:
        from accounts.mfa_services import mfa_is_enabled

        return mfa_is_enabled(user=user)


class TokenPairOutput(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class LoginOutput(TokenPairOutput):
    user = UserBriefOutput()
    deletion_cancelled = serializers.BooleanField(
        default=False,
        help_text="The account was waiting for deletion; this sign-in cancelled the deletion.",
    )


class SignupOutput(LoginOutput):
    pass


# --- email verification and password reset -------------------------------------------------


class TokenInput(serializers.Serializer):
    token = serializers.CharField(max_length=512, help_text="The token of the emailed link.")


class EmailVerifiedOutput(serializers.Serializer):
    email = serializers.EmailField()
    email_verified_at = serializers.DateTimeField()


class PasswordResetInput(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class AcceptedOutput(serializers.Serializer):
    message = serializers.CharField()


class PasswordResetConfirmInput(serializers.Serializer):
    token = serializers.CharField(max_length=512)
    password = serializers.CharField(max_length=128, trim_whitespace=False)


# --- MFA ---------------------------------------------------------------------------------------


class MfaSetupOutput(serializers.Serializer):
    secret = serializers.CharField(help_text="Base32 secret, for typing into the app.")
    otpauth_url = serializers.CharField(help_text="otpauth://totp/... URI.")
    qr_code = serializers.CharField(help_text="The otpauth URI as a QR code: a PNG data URL.")


class MfaCodeInput(serializers.Serializer):
    code = serializers.CharField(max_length=32)


class MfaConfirmOutput(serializers.Serializer):
    recovery_codes = serializers.ListField(
        child=serializers.CharField(),
        help_text="Each works once instead of a code. Shown only now: store them safely.",
    )


class MfaDisableInput(serializers.Serializer):
    password = serializers.CharField(max_length=128, trim_whitespace=False)
    code = serializers.CharField(max_length=32, help_text="A current code or a recovery code.")


# --- deletion and export -----------------------------------------------------------------------


class AccountDeleteInput(serializers.Serializer):
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class AccountDeleteOutput(serializers.Serializer):
    deletion_requested_at = serializers.DateTimeField()
    erase_after = serializers.DateTimeField(
        help_text="The account is erased after this time unless you sign in before."
    )


class DataExportOutput(serializers.Serializer):
    id = serializers.UUIDField(source="export.id")
    status = serializers.ChoiceField(source="export.status", choices=ExportStatus.choices)
    requested_at = serializers.DateTimeField(source="export.created_at")
    finished_at = serializers.DateTimeField(source="export.finished_at", allow_null=True)
    expires_at = serializers.DateTimeField(
        source="export.expires_at", allow_null=True, help_text="The archive is deleted then."
    )
    size_bytes = serializers.IntegerField(source="export.size_bytes", allow_null=True)
    download_url = serializers.CharField(
        allow_null=True, help_text="Signed link, valid for a short time; null until ready."
    )
    next_export_at = serializers.DateTimeField(
        allow_null=True, help_text="When a new export may be requested; null if now."
    )
