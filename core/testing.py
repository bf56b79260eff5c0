"""Helpers for tests: concurrency with real threads (each with its own connection), scripts
in a process of their own, and what a user's sockets receive on the channel layer."""

import asyncio
import contextlib
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from django.db import connection

T = TypeVar("T")


def run_in_threads(function: Callable[[], T], count: int) -> list[T]:
    """Run `function` in `count` threads released at the same instant; return the results.

    Each thread opens its own database connection (closed at the end), so the calls race
    in PostgreSQL exactly as concurrent requests would. Use with transactional tests.
    """
    barrier = threading.Barrier(count)
    results: list[T] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker() -> None:
        try:
            barrier.wait()
            result = function()
            with lock:
                results.append(result)
        except BaseException as error:  # noqa: BLE001  (re-raised in the caller's thread)
            with lock:
                errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


def run_script(code: str, **environment: str) -> subprocess.CompletedProcess[str]:
    """Run `code` with this interpreter in a process of its own, from the project root, on
    the test settings plus `environment`; for what must not share the test process (a
    thread that lives as long as its process, settings read at start-up)."""
    return subprocess.run(  # noqa: S603  (this interpreter running the caller's own code)
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parents[1],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", **environment},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


class LayerListener:
    """A channel in a user's group on the real channel layer: every event their sockets
    would get, in order (`core.realtime`). Close it when done (the `socket_of` fixture does).

    It has a layer instance of its own, driven by one long-lived background event loop:
    channels-redis binds a channel's state to the loop that first used it. A task on that
    loop receives from the channel all the time and keeps what arrives: a pub/sub layer
    forgets a channel whose receive is cancelled, so reads never time out a receive.
    """

    _loop: asyncio.AbstractEventLoop | None = None

    def __init__(self, user_id: Any) -> None:
        from channels import DEFAULT_CHANNEL_LAYER
        from channels.layers import channel_layers

        self.layer = channel_layers.make_backend(DEFAULT_CHANNEL_LAYER)
        self.channel: str = self._run(self.layer.new_channel())
        self.listen_to(user_id)
        self._arrived: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._receiving: asyncio.Task[None] = self._run(self._start_receiving())

    def listen_to(self, user_id: Any) -> None:
        """Receive what another user's sockets get too, on the same channel."""
        from core.realtime import user_group_name

        self._run(self.layer.group_add(user_group_name(user_id), self.channel))

    @classmethod
    def _background_loop(cls) -> asyncio.AbstractEventLoop:
        if cls._loop is None:
            cls._loop = asyncio.new_event_loop()
            threading.Thread(target=cls._loop.run_forever, daemon=True).start()
        return cls._loop

    def _run(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._background_loop()).result()

    async def _start_receiving(self) -> "asyncio.Task[None]":
        return asyncio.ensure_future(self._keep_receiving())

    async def _keep_receiving(self) -> None:
        while True:
            self._arrived.put_nowait(await self.layer.receive(self.channel))

    def messages(self, expected: int = 0) -> list[dict[str, Any]]:
        """The layer messages that arrived (events and closes): waits up to 5 s for each of
        the `expected` ones (a loaded machine may be slow), then 0.3 s for any further one
        that should not be there."""
        received: list[dict[str, Any]] = self._run(self._drain(expected))
        return received

    def events(self, expected: int = 0) -> list[dict[str, Any]]:
        """The events that arrived (`realtime.event` messages), waiting as `messages` does."""
        return [message["event"] for message in self.messages(expected) if "event" in message]

    def types(self, expected: int = 0) -> list[str]:
        return [event["type"] for event in self.events(expected)]

    async def _drain(self, expected: int) -> list[dict[str, Any]]:
        received: list[dict[str, Any]] = []
        while True:
            timeout = 5.0 if len(received) < expected else 0.3
            try:
                received.append(await asyncio.wait_for(self._arrived.get(), timeout))
            except TimeoutError:
                return received

    def close(self) -> None:
        """Stop receiving and close the layer's connections."""

        async def stop() -> None:
            self._receiving.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._receiving  # a pub/sub layer unsubscribes the channel here
            flush = getattr(self.layer, "close_pools", None) or self.layer.flush
            await flush()

        self._run(stop())
