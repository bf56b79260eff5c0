import zoneinfo
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from accounts.models import User
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
    otp = serializers.CharField(max_length=16, required=False, allow_blank=True)


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
    class Meta:
        model = User
        fields = ("id", "email", "phone", "time_zone", "date_joined", "last_seen_at")


class TokenPairOutput(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class LoginOutput(TokenPairOutput):
    user = UserBriefOutput()


class SignupOutput(LoginOutput):
    pass
