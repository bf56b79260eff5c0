"""Chat follows the match lifecycle (matching's signals, sent inside its transaction)."""

from typing import Any

from django.dispatch import receiver

from chat.services import conversation_close_for_match, conversation_open_for_match
from matching.models import Match
from matching.signals import match_created, match_ended


@receiver(match_created, dispatch_uid="chat.open_conversation")
def open_conversation(sender: Any, match: Match, **kwargs: Any) -> None:
    conversation_open_for_match(match=match)


@receiver(match_ended, dispatch_uid="chat.close_conversation")
def close_conversation(sender: Any, match: Match, **kwargs: Any) -> None:
    conversation_close_for_match(match=match)
