from typing import Any

from django.contrib.auth.backends import ModelBackend


class SignInBackend(ModelBackend):
    """Django's email-and-password check, which also lets through an account waiting for
    deletion: signing in during the grace period is how a person cancels the deletion.

    Used only by `accounts.services.user_login` (the API's sign-in), not listed in
    AUTHENTICATION_BACKENDS, so the admin and sessions keep refusing inactive accounts.
    Like ModelBackend, it hashes once whether or not the account exists.
    """

    def user_can_authenticate(self, user: Any) -> bool:
        if getattr(user, "erased_at", None) is not None:
            return False
        return bool(user.is_active or getattr(user, "deletion_requested_at", None))
