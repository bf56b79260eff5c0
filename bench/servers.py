"""The servers a benchmark can start on loopback, from a short spec:

- `gunicorn:2x4`  gunicorn, 2 worker processes × 4 threads (gthread) on config.wsgi — how
  production serves HTTP;
- `uvicorn:2`     uvicorn, 2 worker processes on config.asgi — how production serves /ws/;
- `daphne`        daphne, one process on config.asgi;
- `...:nopool`    persistent connections instead of the psycopg pool (DATABASE_POOL).
"""

import argparse
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class ServerSpec:
    server: str
    workers: int
    threads: int
    pool: bool

    @classmethod
    def parse(cls, text: str) -> "ServerSpec":
        server, _, rest = text.partition(":")
        size, _, connections = rest.partition(":")
        workers, _, threads = size.partition("x")
        if server not in ("gunicorn", "uvicorn", "daphne") or connections not in (
            "",
            "pool",
            "nopool",
        ):
            raise argparse.ArgumentTypeError(f"not a server spec: {text!r}")
        if server == "daphne" and workers not in ("", "1"):
            raise argparse.ArgumentTypeError("daphne runs one process")
        if threads and server != "gunicorn":
            raise argparse.ArgumentTypeError("only gunicorn takes threads (2x8)")
        return cls(
            server=server,
            workers=int(workers or 1),
            threads=int(threads or (8 if server == "gunicorn" else 1)),
            pool=connections != "nopool",
        )

    @property
    def label(self) -> str:
        processes = f"{self.workers} worker{'s' if self.workers > 1 else ''}"
        if self.server == "gunicorn":
            processes += f" × {self.threads} threads"
        connections = "psycopg pool" if self.pool else "persistent connections"
        return f"{self.server}, {processes}, {connections}"

    def command(self, port: int) -> list[str]:
        if self.server == "gunicorn":  # the production settings file, sized from here
            return [sys.executable, "-m", "gunicorn", "--config", "config/gunicorn.conf.py",
                    "--bind", f"127.0.0.1:{port}", "--workers", str(self.workers),
                    "--threads", str(self.threads), "--log-level", "warning"]  # fmt: skip
        if self.server == "daphne":
            return [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
                    "config.asgi:application"]  # fmt: skip
        return [sys.executable, "-m", "uvicorn", "config.asgi:application", "--host",
                "127.0.0.1", "--port", str(port), "--workers", str(self.workers),
                "--log-level", "warning", "--no-access-log", "--lifespan", "off"]  # fmt: skip

    def environment(self) -> dict[str, str]:
        pool_size = str(max(self.threads, 2))
        return {
            **os.environ,
            "DATABASE_POOL": "true" if self.pool else "false",
            "DATABASE_POOL_MAX_SIZE": pool_size,
        }


def server_specs(text: str) -> list[ServerSpec]:
    return [ServerSpec.parse(item.strip()) for item in text.split(",") if item.strip()]


@contextmanager
def running(spec: ServerSpec) -> Iterator[str]:
    """Start the server on a free port, wait until it answers, yield its base URL."""
    with running_process(spec) as (base, _):
        yield base


@contextmanager
def running_process(spec: ServerSpec) -> Iterator[tuple[str, int]]:
    """As `running`, yielding the base URL and the server's process id (its workers are
    that process's children)."""
    port = free_port()
    server = subprocess.Popen(spec.command(port), cwd=ROOT, env=spec.environment())
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/api/v1/health")
        yield base, server.pid
    finally:
        stop(server)


def stop(process: subprocess.Popen, timeout: float = 20) -> None:
    """Ask a server to stop, and kill it if it has not within `timeout` seconds."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(url: str) -> None:
    request = urllib.request.Request(url, headers={"Host": "localhost"})
    for _ in range(150):
        try:
            with urllib.request.urlopen(request, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server at {url} did not come up")
