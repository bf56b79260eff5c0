"""Two-factor authentication with TOTP (django-otp's TOTPDevice) and recovery codes.

A person has at most one confirmed TOTP device. Setup creates an unconfirmed device and
returns its secret (also as an otpauth URL and a QR code); confirming it with a first
code turns MFA on and hands out KINDRED_MFA_RECOVERY_CODE_COUNT recovery codes, shown this
once. From then on sign-in needs a second factor: a TOTP code or an unused recovery code.

Replay: django-otp keeps the time step of the last accepted code (`last_t`) and accepts only
later ones; the device row is locked while a code is checked, so two sign-ins racing with
one code cannot both pass. Guessing: each account gets KINDRED_THROTTLES["mfa_user"] code
checks per window (429 `mfa_rate_limited`), and the device itself refuses codes for a
doubling delay after each failure (django-otp's throttling), also answered 429.
"""

import enum
import hashlib
import math
import secrets
from base64 import b32encode
from dataclasses import dataclass

import segno
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import RecoveryCode, User
from core import ratelimit
from core.exceptions import AuthenticationRequired, Conflict, RateLimited, ValidationFailed

DEVICE_NAME = "Authenticator app"
# 32 symbols without look-alikes (0/O, 1/I): 5 bits each, 16 of them make 80 bits.
_RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_RECOVERY_LENGTH = 16


@dataclass(frozen=True)
class MfaSetup:
    secret: str
    otpauth_url: str
    qr_code: str  # data:image/png;base64,...


class _Outcome(enum.Enum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    DEVICE_THROTTLED = "device_throttled"


@dataclass(frozen=True)
class _Check:
    outcome: _Outcome
    retry_after: int = 0


_ACCEPTED = _Check(_Outcome.ACCEPTED)
_REJECTED = _Check(_Outcome.REJECTED)


def mfa_is_enabled(*, user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def _lock_user(user: User) -> User:
    return User.objects.select_for_update().get(pk=user.pk)


def mfa_setup(*, user: User) -> MfaSetup:
    """Start (or restart) MFA setup: a fresh unconfirmed device replaces any earlier one.

    409 `mfa_already_enabled` when MFA is on (disable it first).
    """
    with transaction.atomic():
        _lock_user(user)
        if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            raise Conflict("Two-factor authentication is already on.", code="mfa_already_enabled")
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    url = device.config_url
    qr = segno.make(url, error="m")
    return MfaSetup(
        secret=b32encode(device.bin_key).decode("ascii"),
        otpauth_url=url,
        qr_code=qr.png_data_uri(scale=6, border=2),
    )


def mfa_confirm(*, user: User, code: str) -> list[str]:
    """Turn MFA on with a first code from the app; returns the recovery codes (plain text,
    this once; only their hashes are stored).

    409 `mfa_setup_required` without a pending setup, 409 `mfa_already_enabled` when on,
    400 `invalid_otp` for a wrong code (nothing changes), 429 when throttled.
    """
    _count_attempt(user)
    with transaction.atomic():
        _lock_user(user)
        if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            raise Conflict("Two-factor authentication is already on.", code="mfa_already_enabled")
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=False)
            .order_by("-id")
            .first()
        )
        if device is None:
            raise Conflict("Start the setup first.", code="mfa_setup_required")
        codes: list[str] = []
        result = _check_totp(device, code)
        if result.outcome is _Outcome.ACCEPTED:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            codes = _recovery_codes_replace(user)
    # Raised after the block so that the device's failure count (django-otp) is kept.
    _raise_for(result, status=400)
    return codes


def mfa_disable(*, user: User, password: str, code: str) -> None:
    """Turn MFA off: needs the password and a current code (TOTP or recovery code).

    400 `wrong_password` / `invalid_otp` (nothing changes), 409 `mfa_not_enabled`.
    """
    if not user.check_password(password):
        raise ValidationFailed(
            "The password is incorrect.",
            code="wrong_password",
            extra={"fields": {"password": ["The password is incorrect."]}},
        )
    _count_attempt(user)
    with transaction.atomic():
        _lock_user(user)
        if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            raise Conflict("Two-factor authentication is not on.", code="mfa_not_enabled")
        result = _check_second_factor(user, code)
    _raise_for(result, status=400)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        RecoveryCode.objects.filter(user=user).delete()


def mfa_verify_for_login(*, user: User, otp: str | None) -> None:
    """The second step of sign-in, run after the password was checked.

    Nothing to do without MFA. Otherwise 401 `mfa_required` when `otp` is missing, 401
    `invalid_otp` when it is wrong, used before or a spent recovery code, 429 when throttled.
    """
    if not mfa_is_enabled(user=user):
        return
    if not otp or not otp.strip():
        raise AuthenticationRequired(
            "Enter the code from your authenticator app (or a recovery code).",
            code="mfa_required",
        )
    _count_attempt(user)
    with transaction.atomic():
        result = _check_second_factor(user, otp)
    _raise_for(result, status=401)


def recovery_codes_remaining(*, user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


# --- internals --------------------------------------------------------------------------------


def _count_attempt(user: User) -> None:
    decision = ratelimit.hit(
        "mfa", str(user.pk), ratelimit.Rate.parse(settings.KINDRED_THROTTLES["mfa_user"])
    )
    if not decision.is_allowed:
        raise RateLimited(
            "Too many codes tried. Try again later.",
            code="mfa_rate_limited",
            retry_after=decision.retry_after,
        )


def _check_second_factor(user: User, code: str) -> _Check:
    """Inside a transaction: a TOTP code of the confirmed device, or a recovery code."""
    cleaned = "".join(code.split()).replace("-", "").upper()
    if cleaned.isdigit() and len(cleaned) in (6, 8):
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        return _check_totp(device, cleaned) if device else _REJECTED
    if len(cleaned) == _RECOVERY_LENGTH:
        # One UPDATE both checks and spends the code: two racing uses cannot both succeed.
        spent = RecoveryCode.objects.filter(
            user=user, code_hash=_hash_recovery_code(cleaned), used_at__isnull=True
        ).update(used_at=timezone.now())
        return _ACCEPTED if spent == 1 else _REJECTED
    return _REJECTED


def _check_totp(device: TOTPDevice, code: str) -> _Check:
    is_allowed, details = device.verify_is_allowed()
    if not is_allowed:
        locked_until = (details or {}).get("locked_until")
        wait = (locked_until - timezone.now()).total_seconds() if locked_until else 1
        return _Check(_Outcome.DEVICE_THROTTLED, retry_after=math.ceil(max(wait, 1)))
    return _ACCEPTED if device.verify_token(code) else _REJECTED


def _raise_for(result: _Check, *, status: int) -> None:
    if result.outcome is _Outcome.ACCEPTED:
        return
    if result.outcome is _Outcome.DEVICE_THROTTLED:
        raise RateLimited(
            "Too many wrong codes. Wait a moment and try again.",
            code="mfa_rate_limited",
            retry_after=result.retry_after,
        )
    message = "The code is wrong, expired or already used."
    if status == 401:
        raise AuthenticationRequired(message, code="invalid_otp")
    raise ValidationFailed(message, code="invalid_otp", extra={"fields": {"code": [message]}})


def _hash_recovery_code(cleaned: str) -> str:
    return hashlib.sha256(cleaned.encode("ascii")).hexdigest()


def _recovery_codes_replace(user: User) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = [
        "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
        for _ in range(settings.KINDRED_MFA_RECOVERY_CODE_COUNT)
    ]
    RecoveryCode.objects.bulk_create(
        [RecoveryCode(user=user, code_hash=_hash_recovery_code(code)) for code in codes]
    )
    return ["-".join(code[i : i + 4] for i in range(0, _RECOVERY_LENGTH, 4)) for code in codes]
