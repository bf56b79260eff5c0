import re

import phonenumbers
from django.core.exceptions import ValidationError


class LetterAndDigitValidator:
    """A password needs at least one letter and one digit (on top of Django's validators)."""

    def validate(self, password: str, user: object = None) -> None:
        if not re.search(r"[^\W\d_]", password) or not re.search(r"\d", password):
            raise ValidationError(
                "The password must contain at least one letter and one digit.",
                code="password_needs_letter_and_digit",
            )

    def get_help_text(self) -> str:
        return "Your password must contain at least one letter and one digit."


def normalize_phone(raw: str) -> str:
    """Parse a phone number written in international form and return it in E.164.

    Raises ValidationError for anything that is not a valid, possible number.
    """
    try:
        number = phonenumbers.parse(raw, None)
    except phonenumbers.NumberParseException as error:
        raise ValidationError(
            "Enter the phone number in international form, e.g. +14155550123.",
            code="invalid_phone",
        ) from error
    if not phonenumbers.is_valid_number(number):
        raise ValidationError("This phone number is not valid.", code="invalid_phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
