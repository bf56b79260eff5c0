"""The data-rights contract between accounts and every other app: export and erasure.

Each app that keeps data about a person has a module `<app>/privacy.py` with:

    LABEL = "profiles"           # the archive holds <LABEL>.json (and <LABEL>/... files)
    ERASE_ORDER = 60             # erasure runs the apps in increasing order

    def export_user_data(*, user_id: UUID, people: People) -> ExportSection: ...
        # Everything the app holds on `user_id`, JSON-serializable. Other people appear
        # only as `people.name(their_id)` ("person-3"), never by id, name or any detail,
        # and only where the exported user's own data involves them; what they sent to this
        # user (messages, like comments) may be included.

    def erase_user_data(*, user_id: UUID) -> None: ...
        # Runs inside the erasure transaction (accounts.deletion_services.account_erase):
        # delete or anonymise the app's rows about the person; keep moderation evidence.
        # Idempotent.

    def erase_user_files(*, user_id: UUID) -> int: ...   # optional
        # Runs after the erasure committed, on every run of the job: delete what the app
        # keeps about the person outside the database (stored files, Redis entries).
        # Idempotent; storage errors propagate (the job retries).

Accounts, the lowest app, finds these modules by name (like the admin's autodiscovery), so
it imports nothing from the apps built on it.
"""

import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any
from uuid import UUID

from django.apps import apps


@dataclass(frozen=True)
class ExportFile:
    """A stored object to copy into the archive at `<label>/<archive_path>`."""

    archive_path: str
    storage_name: str


@dataclass
class ExportSection:
    data: Any
    files: list[ExportFile] = field(default_factory=list)


class People:
    """Pseudonyms for the other people an export mentions: "person-1", "person-2", … in
    order of first mention, the same across the whole archive; the exported user is
    "you". The archive never holds another person's id."""

    SELF = "you"

    def __init__(self, user_id: UUID) -> None:
        self._self = str(user_id)
        self._names: dict[str, str] = {}

    def name(self, user_id: UUID | str | None) -> str | None:
        if user_id is None:
            return None
        key = str(user_id)
        if key == self._self:
            return self.SELF
        if key not in self._names:
            self._names[key] = f"person-{len(self._names) + 1}"
        return self._names[key]

    @property
    def count(self) -> int:
        return len(self._names)


@dataclass(frozen=True)
class PrivacyProvider:
    label: str
    erase_order: int
    export: Callable[..., ExportSection] | None
    erase: Callable[..., None] | None
    erase_files: Callable[..., int] | None


def _provider_from(module: ModuleType) -> PrivacyProvider:
    return PrivacyProvider(
        label=module.LABEL,
        erase_order=getattr(module, "ERASE_ORDER", 50),
        export=getattr(module, "export_user_data", None),
        erase=getattr(module, "erase_user_data", None),
        erase_files=getattr(module, "erase_user_files", None),
    )


def privacy_providers() -> list[PrivacyProvider]:
    """Every installed app's `privacy` module, in erasure order (then by label)."""
    providers = []
    for config in apps.get_app_configs():
        name = f"{config.name}.privacy"
        if importlib.util.find_spec(name) is None:
            continue
        providers.append(_provider_from(importlib.import_module(name)))
    return sorted(providers, key=lambda provider: (provider.erase_order, provider.label))


def iso(value: Any) -> str | None:
    """A datetime or date as ISO 8601 text (None stays None)."""
    return value.isoformat() if value is not None else None
