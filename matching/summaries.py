"""What the match list shows of each conversation, provided by the chat app (which is built
on matching and so cannot be imported here, DESIGN.md §3).

The provider takes the viewer's id and a page of match ids and returns, in a fixed number of
queries, `{match_id: MatchSummary}`; matches without a conversation may be missing.
The conversation of a match has the match's id (`conversation_id == match.id`).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID


@dataclass(frozen=True)
class MatchSummary:
    last_message: dict[str, Any] | None
    unread_count: int
    last_message_at: datetime | None


MatchSummaryProvider = Callable[[UUID, list[UUID]], dict[UUID, MatchSummary]]

_provider: MatchSummaryProvider | None = None


def register_match_summary_provider(provider: MatchSummaryProvider) -> None:
    global _provider
    _provider = provider


def match_summaries(viewer_id: UUID, match_ids: list[UUID]) -> dict[UUID, MatchSummary]:
    if _provider is None or not match_ids:
        return {}
    return _provider(viewer_id, match_ids)
