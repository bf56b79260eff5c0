"""Fixtures for chat: two matched people, what their sockets receive on the real channel
layer (channels-redis on the test Redis), and connected WebsocketCommunicators."""

import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import pytest_asyncio
from asgiref.sync import sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator

from accounts.models import User
from chat.tests.factories import make_match, make_user
from core.tickets import ticket_issue
from matching.models import Match


@pytest.fixture(autouse=True)
def _fresh_channel_layer() -> None:
    """A new channel layer per test: each async test has its own event loop, and
    channels-redis binds its locks to the loop that first used them."""
    channel_layers.backends.clear()


class Pair:
    def __init__(self, match: Match, first: User, second: User) -> None:
        self.match = match
        self.first = first
        self.second = second
        self.conversation_id = match.pk


@pytest.fixture
def pair(db: Any) -> Pair:
    first = make_user("Alex")
    second = make_user("Bo")
    return Pair(make_match(first, second), first, second)


@pytest.fixture
def live_pair(transactional_db: Any) -> Pair:
    """The same, committed, for sockets (their ORM work runs on other threads)."""
    first = make_user("Alex")
    second = make_user("Bo")
    return Pair(make_match(first, second), first, second)


def ws_path(user: User) -> str:
    return f"/ws/v1/?ticket={ticket_issue(user_id=user.pk).ticket}"


class Socket:
    """A connected socket of one user, with JSON helpers."""

    def __init__(self, communicator: WebsocketCommunicator, user: User) -> None:
        self.communicator = communicator
        self.user = user

    async def send(self, frame: dict[str, Any]) -> None:
        await self.communicator.send_json_to(frame)

    async def receive(self, timeout: float = 3) -> dict[str, Any]:
        frame: dict[str, Any] = await self.communicator.receive_json_from(timeout=timeout)
        return frame

    async def receive_type(self, frame_type: str, timeout: float = 3) -> dict[str, Any]:
        """The next frame of this type, skipping others (an unexpected error fails)."""
        while True:
            frame = await self.receive(timeout=timeout)
            if frame["type"] == frame_type:
                return frame
            if frame["type"] == "error":
                raise AssertionError(f"expected {frame_type}, got {frame}")

    async def nothing(self, timeout: float = 0.3, ignore: tuple[str, ...] = ("presence",)) -> bool:
        """True if no frame other than `ignore`d ones arrives within `timeout`."""
        while True:
            if await self.communicator.receive_nothing(timeout=timeout):
                return True
            frame = await self.receive()
            if frame["type"] not in ignore:
                raise AssertionError(f"unexpected frame {frame}")

    async def close(self) -> None:
        await self.communicator.disconnect()


@pytest_asyncio.fixture
async def connect() -> AsyncIterator[Callable[..., Any]]:
    """`await connect(user)` → an open Socket; all are closed at the end."""
    from config.asgi import application

    opened: list[Socket] = []

    async def open_socket(user: User, headers: list[tuple[bytes, bytes]] | None = None) -> Socket:
        path = await sync_to_async(ws_path)(user)
        communicator = WebsocketCommunicator(application, path, headers=headers or [])
        connected, _ = await communicator.connect(timeout=5)
        assert connected
        socket = Socket(communicator, user)
        ready = await socket.receive(timeout=5)
        assert ready["type"] == "ready", ready
        opened.append(socket)
        return socket

    yield open_socket
    for socket in opened:
        with contextlib.suppress(Exception):  # already closed by the test
            await socket.close()


@pytest.fixture
def make_pair_sync() -> Callable[[], Pair]:
    def make() -> Pair:
        first = make_user("Alex")
        second = make_user("Bo")
        return Pair(make_match(first, second), first, second)

    return make
