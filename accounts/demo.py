"""Demo accounts for the local run: an admin and a handful of people.

Idempotent: a second run finds what the first made and changes nothing.
"""

import secrets
from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.db import transaction

from accounts.models import User

DEMO_ADMIN_EMAIL = "admin@kindred.local"
DEMO_MODERATOR_EMAIL = "moderator@kindred.local"
# Shared by the demo people (not the admin) so that a newcomer can sign in as any of them.
DEMO_USER_PASSWORD = "kindred-demo-1"
DEMO_USER_EMAIL = "demo{number}@kindred.local"


@dataclass(frozen=True)
class DemoSeedResult:
    admin_password: str | None  # only when the admin was created by this run
    moderator_password: str | None
    users_created: int
    users_total: int


@transaction.atomic
def demo_seed_accounts(*, user_count: int) -> DemoSeedResult:
    admin_password = None
    if not User.objects.filter(email=DEMO_ADMIN_EMAIL).exists():
        admin_password = secrets.token_urlsafe(12)
        User.objects.create_superuser(DEMO_ADMIN_EMAIL, admin_password)

    moderator_password = None
    if not User.objects.filter(email=DEMO_MODERATOR_EMAIL).exists():
        moderator_password = secrets.token_urlsafe(12)
        moderator = User.objects.create_user(
            DEMO_MODERATOR_EMAIL, moderator_password, is_staff=True
        )
        moderator.groups.add(Group.objects.get(name="Moderators"))

    created = 0
    for number in range(1, user_count + 1):
        email = DEMO_USER_EMAIL.format(number=number)
        if not User.objects.filter(email=email).exists():
            User.objects.create_user(email, DEMO_USER_PASSWORD)
            created += 1
    total = User.objects.filter(email__endswith="@kindred.local", is_staff=False).count()
    return DemoSeedResult(admin_password, moderator_password, created, total)
