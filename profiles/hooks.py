"""Extension points for the apps built on profiles.

Those apps import profiles; profiles never imports them (DESIGN.md §3). They register here
from their `AppConfig.ready`, the way discovery's exclusions work:

- hidden-profile providers: `provider(viewer_id)` → a `values()` queryset of user ids whose
  profiles `viewer_id` must not see; `GET /profiles/{id}` answers 404 for them. Moderation
  registers blocks, either way.
- incognito audiences: `provider(viewer_id)` → a `values()` queryset of ids of incognito
  people whose profile `viewer_id` may still open (incognito hides a person from everyone
  but those they liked). Matching registers the people who liked the viewer.
- discoverability vetoes: `veto(profile_id)` → True while the profile must stay out of
  discovery whatever its own state. `profile_refresh_completion` asks them. Moderation
  registers "verify your identity first" sanctions.
"""

from collections.abc import Callable
from uuid import UUID

from django.db.models import QuerySet

HiddenProfileProvider = Callable[[UUID], QuerySet]
DiscoverabilityVeto = Callable[[UUID], bool]

_hidden_providers: dict[str, HiddenProfileProvider] = {}
_incognito_audiences: dict[str, HiddenProfileProvider] = {}
_discoverability_vetoes: dict[str, DiscoverabilityVeto] = {}


def register_hidden_profiles(name: str, provider: HiddenProfileProvider) -> None:
    """Add (or replace) a named provider of ids hidden from a viewer."""
    _hidden_providers[name] = provider


def hidden_profile_subqueries(viewer_id: UUID) -> list[QuerySet]:
    return [provider(viewer_id) for provider in _hidden_providers.values()]


def register_incognito_audience(name: str, provider: HiddenProfileProvider) -> None:
    """Add (or replace) a named provider of incognito people a viewer may still see."""
    _incognito_audiences[name] = provider


def incognito_audience_subqueries(viewer_id: UUID) -> list[QuerySet]:
    return [provider(viewer_id) for provider in _incognito_audiences.values()]


def register_discoverability_veto(name: str, veto: DiscoverabilityVeto) -> None:
    """Add (or replace) a named veto on a profile's discoverability."""
    _discoverability_vetoes[name] = veto


def is_discoverability_vetoed(profile_id: UUID) -> bool:
    return any(veto(profile_id) for veto in _discoverability_vetoes.values())
