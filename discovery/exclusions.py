"""Who must never appear in someone's deck, search or picks, beyond the profile's own state.

Each provider returns a queryset of user ids (`values("...")`) that the candidate query
excludes. Discovery registers passes and blocks (from moderation's selectors); matching
registers likes sent and matches (issue 5). Apps register in `AppConfig.ready`, because
discovery cannot import the apps built on it.

Two ways to exclude, chosen per provider at registration:
- by default `NOT IN (subquery)`: PostgreSQL hashes the whole set once per query, the
  cheapest for the small sets most providers give (blocks, matches, likes within quotas);
- `per_candidate=True`: `NOT EXISTS (... = candidate)`, an index probe for each candidate
  that passed every other filter, for sets that grow to tens of thousands per person
  (passes): the cost follows the few hundred candidates, not the size of the set. The
  provider's queryset must select one plain column (`values("target_id")`) with an index
  that leads with it or with the person's own id.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.db.models import QuerySet
from django.db.models.functions import Now
from django.utils import timezone

from moderation.selectors import blocked_user_ids, blocking_user_ids

ExclusionProvider = Callable[[UUID], QuerySet]


@dataclass(frozen=True)
class Exclusion:
    """One provider's ids for one person, and how the candidate query should exclude them."""

    ids: QuerySet
    per_candidate: bool


_providers: dict[str, tuple[ExclusionProvider, bool]] = {}
# Bumped on every registration, so that SQL compiled from the providers can be told stale.
_version = 0


def registry_version() -> int:
    return _version


def register_exclusion(
    name: str, provider: ExclusionProvider, *, per_candidate: bool = False
) -> None:
    """Add (or replace) a named provider: `provider(user_id)` → queryset of user ids."""
    global _version
    _providers[name] = (provider, per_candidate)
    _version += 1


def exclusion_subqueries(user_id: UUID) -> list[QuerySet]:
    return [provider(user_id) for provider, _per_candidate in _providers.values()]


def exclusions_for(user_id: UUID) -> list[Exclusion]:
    return [
        Exclusion(ids=provider(user_id), per_candidate=per_candidate)
        for provider, per_candidate in _providers.values()
    ]


_incognito_audiences: dict[str, ExclusionProvider] = {}


def register_incognito_audience(name: str, provider: ExclusionProvider) -> None:
    """Add a named provider of the people an incognito viewer may still be shown to:
    `provider(viewer_id)` → queryset of ids of incognito users who may see `viewer_id`
    (matching registers "those who liked the viewer")."""
    global _version
    _incognito_audiences[name] = provider
    _version += 1


def has_incognito_audience() -> bool:
    return bool(_incognito_audiences)


def incognito_audience_subqueries(viewer_id: UUID) -> list[QuerySet]:
    return [provider(viewer_id) for provider in _incognito_audiences.values()]


def pass_cooldown_start() -> datetime:
    return timezone.now() - timedelta(days=settings.KINDRED_PASS_COOLDOWN_DAYS)


def passed_user_ids(user_id: UUID) -> QuerySet:
    """Passes still in their cooldown. The cutoff is computed by the database at each
    statement (not fixed here), so the SQL compiled from this stays right however long it
    is reused (see discovery.visibility.visibility_sql)."""
    from discovery.models import Pass

    cutoff = Now() - timedelta(days=settings.KINDRED_PASS_COOLDOWN_DAYS)
    return Pass.objects.filter(actor_id=user_id, created_at__gt=cutoff).values("target_id")


register_exclusion("passes", passed_user_ids, per_candidate=True)
register_exclusion("blocks_made", blocked_user_ids)
register_exclusion("blocks_received", blocking_user_ids)
