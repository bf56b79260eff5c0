"""Fixtures shared by every app's tests: real PostgreSQL, real Redis, API clients, users.

With REQUIRE_SERVICES=1 (CI) an unreachable Redis fails the run; otherwise tests are
skipped with the reason, so that nothing passes by not running.
"""

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis
from django.conf import settings
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from accounts.tokens import token_pair_for_user
from core.redis import get_redis
from core.testing import LayerListener

PASSWORD = "correct-horse-42"


def pytest_sessionstart(session: pytest.Session) -> None:
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        message = f"Redis at {settings.REDIS_URL} is unreachable: {error}"
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.exit(message, returncode=1)
        session.config.kindred_skip_reason = message  # type: ignore[attr-defined]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = getattr(config, "kindred_skip_reason", None)
    if reason:
        for item in items:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(autouse=True)
def _clean_redis() -> None:
    """Each test starts with none of this worker's keys (rate limits, cache, decks)."""
    client = get_redis()
    keys = list(client.scan_iter(match=f"{settings.REDIS_KEY_PREFIX}*", count=500))
    if keys:
        client.delete(*keys)


@pytest.fixture
def eager_celery() -> Iterator[None]:
    """Tasks queued during the test run at once in the caller (Celery's eager mode, as in
    embedded mode) instead of waiting in the test broker for a worker."""
    from config.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


@pytest.fixture
def socket_of() -> Iterator[Callable[[Any], LayerListener]]:
    """`socket_of(user_id)`: what that user's sockets receive on the real channel layer,
    from now on (core.testing.LayerListener); closed at the end of the test."""
    listeners: list[LayerListener] = []

    def listen(user_id: Any) -> LayerListener:
        listeners.append(LayerListener(user_id))
        return listeners[-1]

    yield listen
    for listener in listeners:
        listener.close()


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def user(db):  # type: ignore[no-untyped-def]
    return UserFactory(password=PASSWORD)


@pytest.fixture
def auth_client(user) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_pair_for_user(user).access}")
    return client
