"""A bounded HTTP load generator for the benchmarks: N concurrent clients on loopback,
each sending requests back to back for a fixed time. Prints nothing; returns figures."""

import asyncio
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx


@dataclass(frozen=True)
class LoadResult:
    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds


async def _client(
    base_url: str,
    path: str,
    headers: dict[str, str],
    deadline: float,
    latencies: list[float],
    errors: list[int],
) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=10.0) as client:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            response = await client.get(path, headers=headers)
            latencies.append((time.perf_counter() - started) * 1000)
            if response.status_code >= 400:
                errors.append(response.status_code)


def run_load(
    base_url: str,
    path: str,
    *,
    headers_for: Callable[[int], dict[str, str]],
    concurrency: int,
    seconds: float,
) -> LoadResult:
    """`headers_for(i)` gives client i its headers (e.g. its own bearer token)."""

    async def main() -> LoadResult:
        latencies: list[float] = []
        errors: list[int] = []
        deadline = time.perf_counter() + seconds
        started = time.perf_counter()
        await asyncio.gather(
            *[
                _client(base_url, path, headers_for(i), deadline, latencies, errors)
                for i in range(concurrency)
            ]
        )
        elapsed = time.perf_counter() - started
        ordered = sorted(latencies)
        return LoadResult(
            requests=len(latencies),
            errors=len(errors),
            seconds=elapsed,
            p50_ms=statistics.median(ordered) if ordered else 0.0,
            p99_ms=ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] if ordered else 0.0,
        )

    return asyncio.run(main())
