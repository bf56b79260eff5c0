"""Matches with their conversation, messages and socket helpers for chat's tests.

Matches are created as rows and announced with matching's `match_created` signal (the
receiver of `chat.receivers` opens the conversation), as matching's service would.
"""

import itertools
from typing import Any

from accounts.models import User
from accounts.tests.factories import UserFactory
from chat.models import Conversation
from chat.services import MessageSendResult, message_send
from matching.models import Match, MatchState
from matching.signals import match_created
from profiles.models import Profile

_client_ids = itertools.count(1)


def make_user(name: str = "Sam", **fields: Any) -> User:
    user = UserFactory(**fields)
    Profile.objects.filter(pk=user.pk).update(display_name=name)
    return user


def make_match(first: User | None = None, second: User | None = None, **fields: Any) -> Match:
    first = first or make_user("Alex")
    second = second or make_user("Bo")
    low, high = sorted((first, second), key=lambda user: user.pk)
    match = Match.objects.create(
        user_low=low, user_high=high, state=fields.pop("state", MatchState.ACTIVE), **fields
    )
    match_created.send(sender=None, match=match)
    return match


def conversation_of(match: Match) -> Conversation:
    return Conversation.objects.get(pk=match.pk)


def client_id() -> str:
    return f"client-{next(_client_ids)}"


def send(sender: User, match: Match, body: str = "hello there", **kwargs: Any) -> MessageSendResult:
    return message_send(
        sender=sender,
        conversation_id=match.pk,
        body=body,
        client_message_id=kwargs.pop("client_message_id", None) or client_id(),
        **kwargs,
    )
