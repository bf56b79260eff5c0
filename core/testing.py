"""Helpers for tests: concurrency with real threads (each with its own connection), and
scripts in a process of their own."""

import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

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
