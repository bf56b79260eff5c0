import hashlib

from rest_framework.request import Request

from accounts.models import normalize_email
from core.throttling import IpThrottle, RedisRateThrottle, UserThrottle


class SignupIpThrottle(IpThrottle):
    scope = "signup_ip"


class LoginIpThrottle(IpThrottle):
    scope = "login_ip"


class EmailThrottle(RedisRateThrottle):
    """Per email named in the body (hashed), whatever IPs the requests come from."""

    def identity(self, request: Request) -> str | None:
        email = request.data.get("email") if hasattr(request.data, "get") else None
        if not isinstance(email, str) or not email.strip():
            return None
        # Hashed: Redis keys should not hold people's email addresses.
        return hashlib.sha256(normalize_email(email).encode()).hexdigest()[:32]


class SignupAccountThrottle(EmailThrottle):
    scope = "signup_account"


class LoginAccountThrottle(EmailThrottle):
    """Slows guessing one person's password from many IPs."""

    scope = "login_account"


class RefreshIpThrottle(IpThrottle):
    scope = "refresh_ip"


class PasswordChangeUserThrottle(UserThrottle):
    scope = "password_change_user"


class PasswordResetIpThrottle(IpThrottle):
    scope = "password_reset_ip"


class PasswordResetAccountThrottle(EmailThrottle):
    """Stops flooding one person's inbox with reset emails."""

    scope = "password_reset_account"


class TokenConfirmIpThrottle(IpThrottle):
    """Emailed tokens presented (verify, reset confirm): slows guessing."""

    scope = "token_confirm_ip"


class EmailVerifyResendUserThrottle(UserThrottle):
    scope = "email_verify_resend_user"


class AccountDeleteUserThrottle(UserThrottle):
    scope = "account_delete_user"
