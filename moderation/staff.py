"""Who may take moderators' decisions (checked by the services, not only by the admin)."""

from accounts.models import User
from core.exceptions import PermissionDenied


def ensure_moderator(moderator: User, permission: str) -> None:
    """Active staff holding `permission` (superusers hold every one); 403 otherwise."""
    if not (moderator.is_active and moderator.is_staff and moderator.has_perm(permission)):
        raise PermissionDenied("Only moderators may do this.", code="not_a_moderator")
