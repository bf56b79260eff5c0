"""Who must never appear in someone's deck, search or picks, beyond the profile's own state.

Each provider returns a queryset of user ids (`values("...")`) that the candidate query
excludes as a subquery. Discovery registers passes; moderation registers blocks (issue 7);
matching registers likes sent and matches (issue 5). Apps register in `AppConfig.ready`,
because discovery cannot import the apps built on it.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

ExclusionProvider = Callable[[UUID], QuerySet]

_providers: dict[str, ExclusionProvider] = {}


def register_exclusion(name: str, provider: ExclusionProvider) -> None:
    """Add (or replace) a named provider: `provider(user_id)` → queryset of user ids."""
    _providers[name] = provider


def exclusion_subqueries(user_id: UUID) -> list[QuerySet]:
    return [provider(user_id) for provider in _providers.values()]


def pass_cooldown_start() -> datetime:
    return timezone.now() - timedelta(days=settings.KINDRED_PASS_COOLDOWN_DAYS)


def passed_user_ids(user_id: UUID) -> QuerySet:
    from discovery.models import Pass

    return Pass.objects.filter(actor_id=user_id, created_at__gt=pass_cooldown_start()).values(
        "target_id"
    )


register_exclusion("passes", passed_user_ids)
