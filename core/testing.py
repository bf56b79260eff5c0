"""Helpers for tests: concurrency with real threads (each with its own connection), scripts
in a process of their own, and what a user's sockets receive on the channel layer."""

import asyncio
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
    would get, in order (`core.realtime`).

    It has a layer instance of its own, driven by one long-lived background event loop:
    channels-redis binds a channel's receive state to the loop that first received on it,
    and a loop per read would open a Redis connection per read (slow on a loaded machine).
    """

    _loop: asyncio.AbstractEventLoop | None = None

    def __init__(self, user_id: Any) -> None:
        from channels import DEFAULT_CHANNEL_LAYER
        from channels.layers import channel_layers

        from core.realtime import user_group_name

        self.layer = channel_layers.make_backend(DEFAULT_CHANNEL_LAYER)
        self.channel: str = self._run(self.layer.new_channel())
        self._run(self.layer.group_add(user_group_name(user_id), self.channel))

    @classmethod
    def _background_loop(cls) -> asyncio.AbstractEventLoop:
        if cls._loop is None:
            cls._loop = asyncio.new_event_loop()
            threading.Thread(target=cls._loop.run_forever, daemon=True).start()
        return cls._loop

    def _run(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._background_loop()).result()

    def events(self, expected: int = 0) -> list[dict[str, Any]]:
        """What arrived: waits up to 5 s for each of the `expected` events (a loaded machine
        may be slow), then 0.3 s for any further one that should not be there."""
        received: list[dict[str, Any]] = self._run(self._drain(expected))
        return received

    def types(self, expected: int = 0) -> list[str]:
        return [event["type"] for event in self.events(expected)]

    async def _drain(self, expected: int) -> list[dict[str, Any]]:
        received: list[dict[str, Any]] = []
        while True:
            timeout = 5.0 if len(received) < expected else 0.3
            try:
                message = await asyncio.wait_for(self.layer.receive(self.channel), timeout)
            except TimeoutError:
                return received
            received.append(message["event"])
