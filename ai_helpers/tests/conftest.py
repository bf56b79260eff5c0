"""Fixtures for the AI tests: a fake OpenAI-compatible server on loopback wired in through
settings (the real SDK and HTTP path), the local provider, and a listener on a user's
socket group."""

from collections.abc import Iterator

import pytest

from ai_helpers.tests.fake_openai import FakeOpenAIServer

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
