"""Helpers for tests of concurrency rules: real threads, each with its own connection."""

import threading
from collections.abc import Callable
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
