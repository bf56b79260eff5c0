"""Fixtures for the AI tests: a fake OpenAI-compatible server on loopback wired in through
settings (the real SDK and HTTP path), the local provider, and a listener on a user's
socket group."""

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from ai_helpers.tests.fake_openai import FakeOpenAIServer
from core.realtime import user_group_name

# Short enough to keep the slow-answer tests quick, long enough for a loaded machine.
TEST_TIMEOUT_SECONDS = 0.5
TEST_MAX_RETRIES = 2


@pytest.fixture
def fake_openai(settings) -> Iterator[FakeOpenAIServer]:  # type: ignore[no-untyped-def]
    server = FakeOpenAIServer().start()
    settings.KINDRED_AI_BASE_URL = server.base_url
    settings.KINDRED_AI_API_KEY = "sk-test-fake"
    settings.KINDRED_AI_MODEL = "fake-model"
    settings.KINDRED_AI_TIMEOUT_SECONDS = TEST_TIMEOUT_SECONDS
    settings.KINDRED_AI_MAX_RETRIES = TEST_MAX_RETRIES
    settings.KINDRED_AI_RETRY_BACKOFF_SECONDS = 0.0
    yield server
    server.stop()


@pytest.fixture
def local_ai(settings) -> None:  # type: ignore[no-untyped-def]
    settings.KINDRED_AI_API_KEY = ""


class SocketListener:
    """A channel in the user's group on the real channel layer: what their sockets get."""

    def __init__(self, user_id: Any) -> None:
        self.layer = get_channel_layer()
        self.channel = async_to_sync(self.layer.new_channel)()
        async_to_sync(self.layer.group_add)(user_group_name(user_id), self.channel)

    def events(self) -> list[dict[str, Any]]:
        received = []
        while (message := async_to_sync(self._receive)()) is not None:
            received.append(message["event"])
        return received

    async def _receive(self) -> dict[str, Any] | None:
        try:
            return await asyncio.wait_for(self.layer.receive(self.channel), timeout=0.2)
        except TimeoutError:
            return None


@pytest.fixture
def socket_of():  # type: ignore[no-untyped-def]
    return SocketListener
