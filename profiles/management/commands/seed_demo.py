from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.demo import (
    DEMO_ADMIN_EMAIL,
    DEMO_MODERATOR_EMAIL,
    DEMO_USER_EMAIL,
    DEMO_USER_PASSWORD,
    demo_seed_accounts,
)
from profiles.demo import demo_seed_profiles


class Command(BaseCommand):
    help = (
        "Create the demo admin, a demo moderator and demo people with complete profiles "
        "(photos, prompts, quiz) across a few cities. Idempotent; local only."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--users", type=int, default=24, help="number of demo people")
        parser.add_argument(
            "--allow-production", action="store_true", help="seed even with DEBUG off"
        )

    def handle(self, *args: object, users: int, allow_production: bool, **options: object) -> None:
        if not settings.DEBUG and not allow_production:
            raise CommandError("Refusing to seed demo accounts with DEBUG off.")
        result = demo_seed_accounts(user_count=users)
        completed = demo_seed_profiles(user_count=users)
        self._credentials("Admin", DEMO_ADMIN_EMAIL, result.admin_password)
        self._credentials("Moderator", DEMO_MODERATOR_EMAIL, result.moderator_password)
        self.stdout.write(
            f"Demo people: {result.users_total} ({result.users_created} new, "
            f"{completed} profiles completed), "
            f"{DEMO_USER_EMAIL.format(number=1)} … password {DEMO_USER_PASSWORD}"
        )

    def _credentials(self, role: str, email: str, password: str | None) -> None:
        if password:
            self.stdout.write(
                self.style.SUCCESS(f"{role} created: {email} / {password}  (shown only once)")
            )
        else:
            self.stdout.write(
                f"{role}: {email} (password shown on first run; "
                f"`manage.py changepassword {email}` sets a new one)"
            )
