"""Fixtures of the matching tests: people, authenticated clients, and an inbox that listens
on the real channel layer for what users' sockets would receive."""

from collections.abc import Callable
from typing import Any
from uuid import UUID

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tokens import token_pair_for_user
from core.testing import LayerListener
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
    """What each user's sockets receive on the real channel layer (`socket_of` listeners)."""

    def __init__(self, listeners: dict[UUID, LayerListener]) -> None:
        self.listeners = listeners

    def events(self, user: User) -> list[dict[str, Any]]:
        """Everything that reached the user's sockets since the last call."""
        return self.listeners[user.pk].events()

    def types(self, user: User) -> list[str]:
        return [event["type"] for event in self.events(user)]


@pytest.fixture
def inbox(socket_of: Callable[[Any], LayerListener]) -> Callable[..., Inbox]:
    return lambda *users: Inbox({user.pk: socket_of(user.pk) for user in users})


def scheduled_tasks(callbacks: list[Any]) -> list[tuple[str, tuple[Any, ...]]]:
    """The Celery tasks among captured on_commit callbacks, as (name, args)."""
    found = []
    for callback in callbacks:
        function = getattr(callback, "func", None)
        task = getattr(function, "__self__", None)
        if task is not None and getattr(task, "name", None):
            found.append((task.name, callback.args))
    return found
