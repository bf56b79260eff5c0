"""Open-loop HTTP load on loopback: requests leave at a fixed total rate over N keep-alive
connections, whatever the server's pace, and each is timed from the moment it was due.

wrk keeps a closed loop: each of its N clients sends its next request when the previous
answer arrives, so the server is always saturated and the latency it reports is N ÷ the
rate the server manages (Little's law), whatever the server does. That measures capacity,
not the time a person waits at a given load. Here the load is set, and a request that had
to wait for its connection (the answer before it was late) counts that wait too, so slow
answers cannot hide the requests queued behind them (no "coordinated omission").

Requests are built by a callable from their sequence number (each may carry its own token
and body). Only responses with a Content-Length are read (Django's CommonMiddleware sets
it on every API response).
"""

import asyncio
import gc
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class OpenLoopResult:
    offered_per_second: float
    answered_per_second: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    answered: int
    # Answers that were not 2xx, and requests whose connection the server closed.
    non_2xx: int
    # Requests sent more than 1 ms after they were due (their connection was still busy).
    late: int


def http_request(
    method: str, path: str, *, headers: dict[str, str] | None = None, body: bytes = b""
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: localhost"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if body or method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def run_open_loop(
    base_url: str,
    build_request: Callable[[int], bytes],
    *,
    connections: int,
    rate: float,
    seconds: float,
) -> OpenLoopResult:
    """Send `rate` requests per second for `seconds` over `connections` connections
    (request k on connection k mod N, due at k ÷ rate) and time each from its due time."""
    return asyncio.run(_run(base_url, build_request, connections, rate, seconds))


async def _run(
    base_url: str,
    build_request: Callable[[int], bytes],
    connections: int,
    rate: float,
    seconds: float,
) -> OpenLoopResult:
    address = urlsplit(base_url)
    total = int(rate * seconds)
    latencies: list[float] = []
    statuses: list[int] = []
    late = 0
    streams = [
        await asyncio.open_connection(address.hostname, address.port) for _ in range(connections)
    ]
    # The load generator shares the machine: its own collector pauses would count as the
    # server's latency, so it collects before and after the run, not during it.
    gc.collect()
    gc.disable()
    start = time.perf_counter() + 0.05

    async def connection(number: int) -> None:
        nonlocal late
        reader, writer = streams[number]
        for sequence in range(number, total, connections):
            due = start + sequence / rate
            wait = due - time.perf_counter()
            if wait > 0:
                await asyncio.sleep(wait)
            elif wait < -0.001:
                late += 1
            try:
                writer.write(build_request(sequence))
                statuses.append(await _read_response(reader))
            except (OSError, asyncio.IncompleteReadError):  # the server closed it: a failure
                statuses.append(0)
                writer.close()
                reader, writer = await asyncio.open_connection(address.hostname, address.port)
                streams[number] = (reader, writer)
            latencies.append(time.perf_counter() - due)

    try:
        began = time.perf_counter()
        await asyncio.gather(*(connection(number) for number in range(connections)))
        elapsed = time.perf_counter() - began
    finally:
        gc.enable()
        for _, writer in streams:
            writer.close()
    ordered = sorted(latencies)

    def quantile(share: float) -> float:
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000

    return OpenLoopResult(
        offered_per_second=rate,
        answered_per_second=len(latencies) / elapsed,
        p50_ms=quantile(0.5),
        p90_ms=quantile(0.9),
        p99_ms=quantile(0.99),
        max_ms=ordered[-1] * 1000,
        answered=len(latencies),
        non_2xx=sum(1 for status in statuses if not 200 <= status < 300),
        late=late,
    )


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = None
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    if length is None:
        raise ValueError(f"response without Content-Length: {head[:200]!r}")
    await reader.readexactly(length)
    return status
