"""Fixtures of the matching tests: people, authenticated clients, and an inbox that listens
on the real channel layer for what users' sockets would receive."""

import asyncio
from collections.abc import Callable, Iterable
from typing import Any
from uuid import UUID, uuid4

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tokens import token_pair_for_user
from core.realtime import user_group_name
from matching.tests.factories import person


@pytest.fixture(autouse=True)
def _relaxed_burst(settings: Any) -> None:
    """Most tests like faster than a person would; the burst signal has its own tests."""
    settings.KINDRED_LIKE_BURST = "1000/60"


def client_for(user: User) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_pair_for_user(user).access}")
    return client


@pytest.fixture
def me(user: User) -> User:
    """The `user` fixture with a complete profile, and a comment-free quota history."""
    from matching.tests.factories import set_quota

    person(user)
    set_quota(user, day_count=0, total_count=5)
    return User.objects.select_related("profile").get(pk=user.pk)


@pytest.fixture
def make_person(db: Any) -> Callable[..., User]:
    def make(**fields: Any) -> User:
        return person(**fields)

    return make


class Inbox:
    """Joins the users' socket groups on the channel layer and collects what arrives."""

    def __init__(self, user_ids: Iterable[UUID]) -> None:
        self.layer = get_channel_layer()
        self.channels: dict[UUID, str] = {}

        async def join() -> None:
            for user_id in user_ids:
                # A plain (not process-specific) channel: each drain below runs in a new
                # event loop, which channels_redis' per-process receive buffers do not allow.
                channel = f"test.inbox.{uuid4().hex}"
                await self.layer.group_add(user_group_name(user_id), channel)
                self.channels[user_id] = channel

        async_to_sync(join)()

    def events(self, user: User, *, wait: float = 0.3) -> list[dict[str, Any]]:
        """Everything that reached the user's sockets since the last call."""
        channel = self.channels[user.pk]

        async def drain() -> list[dict[str, Any]]:
            received = []
            while True:
                try:
                    message = await asyncio.wait_for(self.layer.receive(channel), wait)
                except TimeoutError:
                    return received
                received.append(message["event"])

        return async_to_sync(drain)()

    def types(self, user: User) -> list[str]:
        return [event["type"] for event in self.events(user)]


@pytest.fixture
def inbox() -> Callable[..., Inbox]:
    return lambda *users: Inbox([user.pk for user in users])


def scheduled_tasks(callbacks: list[Any]) -> list[tuple[str, tuple[Any, ...]]]:
    """The Celery tasks among captured on_commit callbacks, as (name, args)."""
    found = []
    for callback in callbacks:
        function = getattr(callback, "func", None)
        task = getattr(function, "__self__", None)
        if task is not None and getattr(task, "name", None):
            found.append((task.name, callback.args))
    return found
