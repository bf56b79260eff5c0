"""Realtime socket benchmark (issue 6): 1,000 open authenticated sockets on one server
process, 100 of the people in active pairs chatting, the rest idle.

Measured per ASGI server (uvicorn and daphne, one process each), in the same run:

- chat latency: `chat.send` on one member's socket → `chat.message_created` on the other's
  (the message is stored with its seq, committed, then fanned out through Redis);
- references over the same server at the same time: a bare WebSocket echo (a plain ASGI
  app mounted beside the chat, bench/ws_asgi.py) and `ping` → `pong` through the chat
  consumer (Channels, no database);
- server memory per idle socket: RSS after the 1,000 sockets are open minus RSS before,
  divided by 1,000;
- time to open a socket (ticket → `ready`).

    .venv/bin/python bench/ws.py                       # both servers, 30 s of chat each
    .venv/bin/python bench/ws.py --servers uvicorn --seconds 10

Uses its own database (BENCH_WS_DATABASE_URL, default kindred_bench_ws) and Redis keys
under the `chatter-bench` prefix (removed at the end). Targets: chat p50 ≤ 5 ms, p99 ≤
25 ms, ≤ 100 KiB per idle socket. Writes bench/results/ws.md.
"""

import argparse
import asyncio
import gc
import json
import os
import platform
import random
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.exceptions import ConnectionClosed

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from database import ensure_database, vacuum_analyze  # noqa: E402
from servers import free_port, stop  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/kindred_bench_ws"
REDIS_URL = os.environ.get("BENCH_WS_REDIS_URL", "redis://127.0.0.1:6379/14")
PREFIX = "chatter-bench"
EMAIL_DOMAIN = "wsbench.kindred.test"
CHURNED_TABLES = ["matching_match", "chat_conversation", "chat_message"]


def environment(database_url: str) -> dict[str, str]:
    """Production settings (DEBUG off, persistent connections) with local services, and the
    database connection settings of docker-compose.yml's realtime service."""
    return {
        **os.environ,
        **realtime_service_connection_settings(),
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "CELERY_BROKER_URL": REDIS_URL,
        "KINDRED_REDIS_PREFIX": PREFIX,
        "DJANGO_SECRET_KEY": "bench-" + secrets.token_urlsafe(48),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "AWS_STORAGE_BUCKET_NAME": "kindred-bench",
        "KINDRED_APP_BASE_URL": "https://app.example.com",
        "LOG_LEVEL": "WARNING",
        # The benchmark measures delivery, not the per-person send limit.
        "KINDRED_CHAT_SEND_RATE": "100000/60",
        "PYTHONUNBUFFERED": "1",
    }


def realtime_service_connection_settings() -> dict[str, str]:
    import yaml

    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    service = compose["services"]["realtime"]["environment"]
    return {key: str(value) for key, value in service.items() if key.startswith("DATABASE_CONN")}


# --- Data ---------------------------------------------------------------------------------------


def seed(people: int, pairs: int) -> list[str]:
    """`people` accounts (reused across runs), the first 2*pairs matched two by two."""
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command

    from accounts.models import User
    from matching.models import Match
    from matching.signals import match_created
    from profiles.models import Profile

    call_command("migrate", verbosity=0)
    existing = User.objects.filter(email__endswith=EMAIL_DOMAIN).count()
    if existing < people:
        password = make_password(None)
        created = User.objects.bulk_create(
            [
                User(email=f"p{index:05d}@{EMAIL_DOMAIN}", password=password)
                for index in range(existing, people)
            ]
        )
        Profile.objects.bulk_create(
            [Profile(user=user, display_name=f"Bench {user.email[:6]}") for user in created],
            ignore_conflicts=True,
        )
    ids = [
        str(user_id)
        for user_id in User.objects.filter(email__endswith=EMAIL_DOMAIN)
        .order_by("email")
        .values_list("pk", flat=True)[:people]
    ]
    for index in range(pairs):
        first, second = sorted((ids[2 * index], ids[2 * index + 1]))
        if not Match.objects.filter(user_low_id=first, user_high_id=second).exists():
            match = Match.objects.create(user_low_id=first, user_high_id=second)
            match_created.send(sender=None, match=match)
    return ids


def conversation_ids(ids: list[str], pairs: int) -> list[str]:
    from matching.models import Match

    result = []
    for index in range(pairs):
        first, second = sorted((ids[2 * index], ids[2 * index + 1]))
        result.append(str(Match.objects.get(user_low_id=first, user_high_id=second).pk))
    return result


def tickets(ids: Iterable[str]) -> dict[str, str]:
    from core.tickets import ticket_issue

    return {user_id: ticket_issue(user_id=uuid.UUID(user_id)).ticket for user_id in ids}


def clean_redis() -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"{PREFIX}*", count=1000))
    for start in range(0, len(keys), 500):
        client.delete(*keys[start : start + 500])


# --- Servers --------------------------------------------------------------------------------------


def server_command(name: str, port: int) -> list[str]:
    python = sys.executable
    app = os.environ.get("BENCH_WS_APP", "bench.ws_asgi:application")
    if name == "uvicorn":
        # As in the Dockerfile (uvloop, httptools, the default WebSocket implementation).
        return [
            python, "-m", "uvicorn", app, "--host", "127.0.0.1",
            "--port", str(port), "--lifespan", "off", "--no-access-log", "--log-level", "warning",
        ]  # fmt: skip
    if name == "daphne":
        return [
            python, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "-v", "0",
            app,
        ]  # fmt: skip
    raise ValueError(name)


def wait_until_up(port: int, process: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{port}/api/v1/health", timeout=2
            ) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("server did not come up")


def rss(pid: int) -> int:
    import psutil

    process = psutil.Process(pid)
    return int(process.memory_info().rss + sum(c.memory_info().rss for c in process.children()))


# --- Clients ------------------------------------------------------------------------------------


@dataclass
class Figures:
    chat: list[float] = field(default_factory=list)
    ack: list[float] = field(default_factory=list)
    echo: list[float] = field(default_factory=list)
    ping: list[float] = field(default_factory=list)
    connect: list[float] = field(default_factory=list)
    sent: int = 0
    errors: list[str] = field(default_factory=list)


class Socket:
    def __init__(self, user_id: str, connection: Any, figures: Figures) -> None:
        self.user_id = user_id
        self.connection = connection
        self.figures = figures
        self.pending: dict[str, float] = {}  # client_message_id -> sent at (shared per pair)
        self.pings: dict[int, float] = {}
        self.reader = asyncio.ensure_future(self.read())

    async def read(self) -> None:
        try:
            await self._read()
        except ConnectionClosed:
            self.figures.errors.append("socket_closed")

    async def _read(self) -> None:
        async for raw in self.connection:
            now = time.perf_counter()
            frame = json.loads(raw)
            kind = frame["type"]
            if kind == "chat.message_created":
                message = frame["message"]
                sent_at = self.pending.get(message["client_message_id"])
                if message["sender_id"] != self.user_id and sent_at is not None:
                    self.figures.chat.append(now - sent_at)
                    self.pending.pop(message["client_message_id"], None)
            elif kind == "chat.ack":
                sent_at = self.pending.get(frame["client_message_id"])
                if sent_at is not None:
                    self.figures.ack.append(now - sent_at)
            elif kind == "pong":
                sent_at = self.pings.pop(frame.get("ts"), None)
                if sent_at is not None:
                    self.figures.ping.append(now - sent_at)
            elif kind == "error":
                self.figures.errors.append(frame["code"])


async def open_socket(port: int, user_id: str, ticket: str, figures: Figures) -> Socket:
    from websockets.asyncio.client import connect

    started = time.perf_counter()
    connection = await connect(
        f"ws://127.0.0.1:{port}/ws/v1/?ticket={ticket}", ping_interval=None, max_size=2**20
    )
    ready = json.loads(await connection.recv())
    if ready["type"] != "ready":
        raise RuntimeError(f"not ready: {ready}")
    figures.connect.append(time.perf_counter() - started)
    return Socket(user_id, connection, figures)


async def open_all(
    port: int, ids: list[str], issued: dict[str, str], figures: Figures, concurrency: int = 25
) -> list[Socket]:
    gate = asyncio.Semaphore(concurrency)

    async def one(user_id: str) -> Socket:
        async with gate:
            return await open_socket(port, user_id, issued[user_id], figures)

    return list(await asyncio.gather(*(one(user_id) for user_id in ids)))


async def chat_pair(
    first: Socket,
    second: Socket,
    conversation_id: str,
    *,
    seconds: float,
    interval: float,
    figures: Figures,
    pending: dict[str, float],
) -> None:
    first.pending = second.pending = pending
    await asyncio.sleep(random.uniform(0, interval))
    deadline = time.perf_counter() + seconds
    turn = 0
    while time.perf_counter() < deadline:
        speaker = first if turn % 2 == 0 else second
        client_message_id = uuid.uuid4().hex
        frame = {
            "type": "chat.send",
            "conversation_id": conversation_id,
            "body": f"bench message {turn} {client_message_id[:8]}",
            "client_message_id": client_message_id,
        }
        pending[client_message_id] = time.perf_counter()
        try:
            await speaker.connection.send(json.dumps(frame))
        except ConnectionClosed:
            figures.errors.append("socket_closed")
            return
        figures.sent += 1
        turn += 1
        await asyncio.sleep(interval)


async def echo_loop(port: int, *, seconds: float, interval: float, figures: Figures) -> None:
    from websockets.asyncio.client import connect

    async with connect(f"ws://127.0.0.1:{port}/bench/echo", ping_interval=None) as connection:
        await asyncio.sleep(random.uniform(0, interval))
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            await connection.send(json.dumps({"t": started, "padding": "x" * 200}))
            await connection.recv()
            figures.echo.append(time.perf_counter() - started)
            await asyncio.sleep(interval)


async def ping_loop(target: Socket, *, seconds: float, interval: float) -> None:
    await asyncio.sleep(random.uniform(0, interval))
    deadline = time.perf_counter() + seconds
    counter = 0
    while time.perf_counter() < deadline:
        counter += 1
        target.pings[counter] = time.perf_counter()
        try:
            await target.connection.send(json.dumps({"type": "ping", "ts": counter}))
        except ConnectionClosed:
            target.figures.errors.append("socket_closed")
            return
        await asyncio.sleep(interval)


@dataclass
class ServerResult:
    name: str
    interval: float
    figures: Figures
    rss_before: int
    rss_after: int
    sockets: int
    lost: int
    connect_seconds: float
    # A bare INSERT and COMMIT on the same PostgreSQL at the chat's pace, run by pgbench at
    # the same time: what the storage alone does to a durable write's latency (s).
    raw_commit: list[float] = field(default_factory=list)


async def paced_commits(rate: float, seconds: float) -> list[float]:
    """Latencies (s) of `rate` single-row INSERT + COMMIT per second for `seconds`, each its
    own transaction with the server's durability settings, from one pgbench client."""
    database_url = os.environ["DATABASE_URL"]
    setup = "CREATE TABLE IF NOT EXISTS bench_commit (id bigserial PRIMARY KEY, body text)"
    await asyncio.to_thread(
        subprocess.run, ["psql", database_url, "-qc", setup], check=True, capture_output=True
    )
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "commit.sql"
        script.write_text("INSERT INTO bench_commit (body) VALUES ('bench message');\n")
        process = await asyncio.create_subprocess_exec(
            "pgbench", "-n", "-c", "1", "-R", f"{rate:g}", "-T", f"{seconds:g}",
            "-f", str(script), "-l", "--log-prefix", str(Path(folder) / "log"), database_url,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        await process.wait()
        return [
            int(line.split()[2]) / 1e6
            for log in Path(folder).glob("log*")
            for line in log.read_text().splitlines()
        ]


async def drive(
    name: str, port: int, pid: int, ids: list[str], conversations: list[str], arguments: Any
) -> list[ServerResult]:
    opening = Figures()
    # Warm-up: imports, connections and pools exist before the baseline is taken.
    warm_ids = ids[-10:]
    warm = await open_all(port, warm_ids, tickets(warm_ids), Figures())
    for warm_socket in warm:
        await warm_socket.connection.send(json.dumps({"type": "ping", "ts": 0}))
    await asyncio.sleep(1)
    for warm_socket in warm:
        await warm_socket.connection.close()
    await asyncio.sleep(2)
    before = rss(pid)

    people = ids[: arguments.sockets]
    issued = await asyncio.to_thread(tickets, people)
    started = time.perf_counter()
    sockets = await open_all(port, people, issued, opening)
    connect_seconds = time.perf_counter() - started
    await asyncio.sleep(3)
    after = rss(pid)

    by_user = {sock.user_id: sock for sock in sockets}
    pairs = [
        (by_user[ids[2 * index]], by_user[ids[2 * index + 1]], conversations[index])
        for index in range(arguments.pairs)
    ]
    idle = sockets[2 * arguments.pairs :]
    results = []
    for interval in arguments.intervals:
        # Every message updates its match and conversation row (bench/database.py).
        await asyncio.to_thread(vacuum_analyze, os.environ["DATABASE_URL"], CHURNED_TABLES)
        figures = Figures(connect=opening.connect)
        for sock in sockets:
            sock.figures = figures
        pendings: list[dict[str, float]] = [{} for _ in pairs]
        # Echo and consumer ping at the same time as the chat, on the same server.
        tasks = [
            chat_pair(
                first,
                second,
                conversation,
                seconds=arguments.seconds,
                interval=interval,
                figures=figures,
                pending=pending,
            )
            for (first, second, conversation), pending in zip(pairs, pendings, strict=True)
        ]
        tasks += [
            echo_loop(port, seconds=arguments.seconds, interval=interval, figures=figures)
            for _ in range(arguments.echo_clients)
        ]
        tasks += [
            ping_loop(target, seconds=arguments.seconds, interval=interval)
            for target in idle[: arguments.echo_clients]
        ]
        # The client is one Python process holding 1,200 sockets: its own collector's full
        # passes (100+ ms here) would be counted as the server's latency. It collects before
        # and after each timed window, not during it.
        gc.collect()
        gc.disable()
        try:
            raw_commit, *_ = await asyncio.gather(
                paced_commits(arguments.pairs / interval, arguments.seconds), *tasks
            )
            await asyncio.sleep(5)  # stragglers
        finally:
            gc.enable()
        lost = sum(len(pending) for pending in pendings)
        results.append(
            ServerResult(
                name,
                interval,
                figures,
                before,
                after,
                len(sockets),
                lost,
                connect_seconds,
                raw_commit=raw_commit,
            )
        )
    for sock in sockets:
        await sock.connection.close()
    return results


def run_server(
    name: str, ids: list[str], conversations: list[str], arguments: Any, env: dict[str, str]
) -> list[ServerResult]:
    port = free_port()
    process = subprocess.Popen(server_command(name, port), cwd=ROOT, env=env)
    try:
        wait_until_up(port, process)
        return asyncio.run(drive(name, port, process.pid, ids, conversations, arguments))
    finally:
        stop(process, timeout=15)


# --- Report ---------------------------------------------------------------------------------------


def quantile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.1f} / {five:.1f} / {fifteen:.1f}"


def report(results: list[ServerResult], arguments: Any, load_before: str, load_after: str) -> str:
    def row(result: ServerResult) -> str:
        figures = result.figures
        per_socket = (result.rss_after - result.rss_before) / max(1, result.sockets) / 1024
        before, after = result.rss_before / 2**20, result.rss_after / 2**20
        chat = f"{quantile(figures.chat, 0.5):.1f} | {quantile(figures.chat, 0.99):.1f}"
        ping = f"{quantile(figures.ping, 0.5):.1f} / {quantile(figures.ping, 0.99):.1f}"
        echo = f"{quantile(figures.echo, 0.5):.1f} / {quantile(figures.echo, 0.99):.1f}"
        commits = result.raw_commit
        commit = (
            f"{quantile(commits, 0.5):.1f} / {quantile(commits, 0.99):.1f} / "
            f"{max(commits, default=float('nan')) * 1000:.0f}"
        )
        connect = f"{quantile(figures.connect, 0.5):.0f} / {quantile(figures.connect, 0.99):.0f}"
        rate = f"{arguments.pairs / result.interval:g}/s"
        return (
            f"| {result.name} | {rate} | {chat} | {quantile(figures.ack, 0.5):.1f}"
            f" | {ping} | {echo} | {commit}"
            f" | {per_socket:.1f} | {before:.0f} → {after:.0f} | {connect}"
            f" | {len(figures.chat)}/{figures.sent} | {result.lost} | {len(figures.errors)} |"
        )

    lines = [
        "# Realtime socket benchmark",
        "",
        f"`bench/ws.py` on {platform.node()} ({os.cpu_count()} cores, Python "
        f"{platform.python_version()}), {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        f"Load average before / after: {load_before} → {load_after} (the cores are shared with "
        "other engineers' test runs).",
        "",
        f"Setup per server: one server process, {arguments.sockets} open authenticated sockets "
        f"(one-time tickets), {arguments.pairs} pairs among them each sending one message every "
        f"N s (alternating sides; *msgs* = the total rate) for {arguments.seconds:g} s; at the "
        f"same time {arguments.echo_clients} bare-echo clients and {arguments.echo_clients} idle "
        "chat sockets sending `ping` at the same pace. Production settings (DEBUG off), "
        "PostgreSQL and Redis on loopback, channels-redis as the layer; the client is one "
        "asyncio process on the same machine.",
        "",
        "Times in ms (p50 / p99). *chat* = `chat.send` → `chat.message_created` at the other "
        "member's socket (stored, committed, fanned out through Redis); *ack* = → `chat.ack` on "
        "the sender's socket; *ping* = `ping` → `pong` through the chat consumer (no database); "
        "*echo* = a bare ASGI echo on the same server; *raw commit* = a bare INSERT + COMMIT "
        "on the same PostgreSQL at the chat's pace, run by pgbench during the same window "
        "(p50 / p99 / max): what the storage alone does to a durable write; "
        "*KiB/socket* = RSS delta / sockets.",
        "",
        "| server | msgs | chat p50 | chat p99 | ack p50 | ping p50 / p99 | echo p50 / p99 "
        "| raw commit p50 / p99 / max | KiB/socket | RSS MiB | connect ms p50 / p99 "
        "| delivered | lost | errors |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        *[row(result) for result in results],
        "",
        "| target | server, msgs | figure | met |",
        "|---|---|---|---|",
        *[
            line
            for result in results
            for line in (
                _target_row("chat p50 ≤ 5 ms", result, quantile(result.figures.chat, 0.5), 5),
                _target_row("chat p99 ≤ 25 ms", result, quantile(result.figures.chat, 0.99), 25),
            )
        ],
        *[
            _target_row(
                "≤ 100 KiB per idle socket",
                result,
                (result.rss_after - result.rss_before) / max(1, result.sockets) / 1024,
                100,
                unit=" KiB",
            )
            for result in results
            if result.interval == results[0].interval
        ],
        "",
    ]
    return "\n".join(lines)


def _target_row(
    name: str, result: ServerResult, value: float, limit: float, unit: str = " ms"
) -> str:
    return (
        f"| {name} | {result.name}, every {result.interval:g} s per pair | {value:.1f}{unit} | "
        f"{'yes' if value <= limit else 'NO'} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--servers", default="uvicorn,daphne")
    parser.add_argument("--sockets", type=int, default=1000)
    parser.add_argument("--pairs", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument(
        "--intervals",
        type=lambda text: [float(part) for part in text.split(",")],
        default=[5.0, 1.0],
        help="seconds between a pair's messages, one phase each (default 5,1)",
    )
    parser.add_argument("--echo-clients", type=int, default=100)
    parser.add_argument("--output", default=str(ROOT / "bench" / "results" / "ws.md"))
    arguments = parser.parse_args()

    database_url = os.environ.get("BENCH_WS_DATABASE_URL", DEFAULT_URL)
    ensure_database(database_url)
    env = environment(database_url)
    os.environ.update(env)
    import django

    django.setup()
    ids = seed(arguments.sockets, arguments.pairs)
    conversations = conversation_ids(ids, arguments.pairs)

    load_before = load_average()
    results = []
    try:
        for name in arguments.servers.split(","):
            clean_redis()
            print(f"--- {name}", flush=True)
            server_results = run_server(name, ids, conversations, arguments, env)
            results += server_results
            print(report(server_results, arguments, load_before, load_average()), flush=True)
    finally:
        clean_redis()
    text = report(results, arguments, load_before, load_average())
    Path(arguments.output).write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
