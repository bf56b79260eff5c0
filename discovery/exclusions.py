"""Who must never appear in someone's deck, search or picks, beyond the profile's own state.

Each provider returns a queryset of user ids (`values("...")`) that the candidate query
excludes as a subquery. Discovery registers passes and blocks (from moderation's selectors);
matching registers likes sent and matches (issue 5). Apps register in `AppConfig.ready`,
because discovery cannot import the apps built on it.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from moderation.selectors import blocked_user_ids, blocking_user_ids

ExclusionProvider = Callable[[UUID], QuerySet]

_providers: dict[str, ExclusionProvider] = {}


def register_exclusion(name: str, provider: ExclusionProvider) -> None:
    """Add (or replace) a named provider: `provider(user_id)` → queryset of user ids."""
    _providers[name] = provider


def exclusion_subqueries(user_id: UUID) -> list[QuerySet]:
    return [provider(user_id) for provider in _providers.values()]


_incognito_audiences: dict[str, ExclusionProvider] = {}


def register_incognito_audience(name: str, provider: ExclusionProvider) -> None:
    """Add a named provider of the people an incognito viewer may still be shown to:
    `provider(viewer_id)` → queryset of ids of incognito users who may see `viewer_id`
    (matching registers "those who liked the viewer")."""
    _incognito_audiences[name] = provider


def incognito_audience_subqueries(viewer_id: UUID) -> list[QuerySet]:
    return [provider(viewer_id) for provider in _incognito_audiences.values()]


def pass_cooldown_start() -> datetime:
    return timezone.now() - timedelta(days=settings.KINDRED_PASS_COOLDOWN_DAYS)


def passed_user_ids(user_id: UUID) -> QuerySet:
    from discovery.models import Pass

    return Pass.objects.filter(actor_id=user_id, created_at__gt=pass_cooldown_start()).values(
        "target_id"
    )


register_exclusion("passes", passed_user_ids)
register_exclusion("blocks_made", blocked_user_ids)
register_exclusion("blocks_received", blocking_user_ids)
