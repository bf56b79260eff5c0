"""Likes benchmark (issue 5): POST /api/v1/matching/likes under concurrent clients on loopback
(gunicorn on config.wsgi as in production, uvicorn for comparison; wrk drives them), next to
the same insert-and-check transaction run raw by pgbench in the same run, and the queries one
like takes. Writes bench/results/likes.md.

    .venv/bin/python bench/likes.py                      # 32 clients, 10 s each
    .venv/bin/python bench/likes.py --clients 32 --seconds 20

Uses its own database (BENCH_LIKES_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/
kindred_bench_likes) and Redis database (BENCH_LIKES_REDIS_URL, default db 13), which it
migrates, fills and empties between measurements. Every like in a run is a new (liker,
liked) pair, so each request takes the full path (quota upsert with the locks, the
read-and-insert, the fairness counter), never the cheaper replay. The daily quota and the
abuse signals are raised out of the way for the run (they are checked all the same).

Targets (issue 5): the HTTP rate ≥ 25% of the raw rate, p99 ≤ 30 ms, ≤ 4 queries per like.
"""

import argparse
import hashlib
import io
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from cpu import CpuWindow, named, tree_of  # noqa: E402
from open_loop import OpenLoopResult, http_request, run_open_loop  # noqa: E402
from servers import ServerSpec, running_process, server_specs  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/kindred_bench_likes"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"
ID_PREFIX = "kindred-bench-like:"
# People: likers for HTTP, likers for pgbench, then the liked.
HTTP_LIKERS = 64
TARGETS = 4000
# Likes the liked people sent one another before the run: the table is not empty.
BACKGROUND_LIKES_PER_PERSON = 25
# Consecutive requests of one liker go to targets this far apart, and likers start at
# different offsets, so concurrent likes spread over many liked people (as real traffic).
STRIDE = 37
# The rate target: the HTTP likes a quarter of the raw transaction's rate.
TARGET_SHARE_OF_RAW = 0.25
CPU_COUNT = os.cpu_count() or 1


def person_id(number: int) -> uuid.UUID:
    """The deterministic id of bench person `number` (the same as md5(...)::uuid in SQL)."""
    return uuid.UUID(hashlib.md5(f"{ID_PREFIX}{number}".encode()).hexdigest())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients")
    parser.add_argument("--seconds", type=float, default=10.0, help="duration of each load")
    parser.add_argument(
        "--servers",
        type=server_specs,
        default=server_specs("gunicorn:2x4,uvicorn:2"),  # gunicorn as config/gunicorn.conf.py
        help="servers to load (bench/servers.py), e.g. gunicorn:2x8,gunicorn:3x4,uvicorn:2",
    )
    arguments = parser.parse_args()

    database_url = os.environ.get("BENCH_LIKES_DATABASE_URL", DEFAULT_URL)
    from database import ensure_database

    ensure_database(database_url)
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["KINDRED_REDIS_PREFIX"] = "kindred-bench-likes"
    os.environ["REDIS_URL"] = os.environ.get("BENCH_LIKES_REDIS_URL", DEFAULT_REDIS_URL)
    # Every request must go the whole way: quotas and abuse signals out of reach.
    os.environ["KINDRED_LIKES_PER_DAY"] = "100000000"
    os.environ["KINDRED_LIKE_BURST"] = "20/1"  # no liker here comes near 20 likes a second
    os.environ["KINDRED_LIKE_REPEATED_COMMENT_COUNT"] = "100000000"

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    raw_likers = arguments.clients
    seed(HTTP_LIKERS + raw_likers + TARGETS)
    load_before = os.getloadavg()
    queries = count_queries(targets_base=HTTP_LIKERS + raw_likers)
    # Both protocols: the server prepares its hot statements (server-side binding), so the
    # raw reference is taken with prepared statements too, and the faster one is the target's.
    raws = [
        (protocol, measure_raw(database_url, arguments, raw_base=HTTP_LIKERS, protocol=protocol))
        for protocol in ("simple", "prepared")
    ]
    http = [measure_http(arguments, spec, raws) for spec in arguments.servers]
    load_after = os.getloadavg()
    report = render(arguments, queries, raws, http, load_before, load_after)
    output = ROOT / "bench" / "results" / "likes.md"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(report)
    print(report)
    print(f"report written to {output.relative_to(ROOT)}")
    return 0


# --- data ----------------------------------------------------------------------------------


def seed(count: int) -> None:
    """`count` discoverable people with deterministic ids, and the likers' quota rows (past
    their first likes, so no comment is required). Kept for the next run if the size fits."""
    from deck import PROFILE_COLUMNS, USER_COLUMNS, _copy, _write_person
    from django.db import connection

    from accounts.models import User

    if (
        User.objects.filter(email__startswith="benchlike").count() == count
        and User.objects.count() == count
    ):
        print(f"{count} people already seeded")
        return
    print(f"seeding {count} people …")
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE accounts_user, profiles_profile CASCADE")
    rng = random.Random(5)
    users, profiles = io.StringIO(), io.StringIO()
    for number in range(count):
        user_line, profile_line = io.StringIO(), io.StringIO()
        _write_person(rng, number, user_line, profile_line)
        identity = str(person_id(number))
        user_fields = user_line.getvalue().split("\t")
        user_fields[0] = identity
        user_fields[3] = f"benchlike{number}@example.com"
        users.write("\t".join(user_fields))
        profiles.write(identity + "\t" + profile_line.getvalue().split("\t", 1)[1])
    _copy("accounts_user", USER_COLUMNS, users)
    _copy("profiles_profile", PROFILE_COLUMNS, profiles)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE accounts_user")
        cursor.execute("VACUUM ANALYZE profiles_profile")


def reset_likes(likers: int, targets_base: int) -> None:
    """None of the likers' likes, no matches or counters; each liker's quota row fresh (100
    likes sent before); and the likes people liked sent one another earlier
    (BACKGROUND_LIKES_PER_PERSON each), analysed: the table a live app's likes land in is
    never empty. (Emptied and analysed empty, PostgreSQL planned the like's prepared lookups
    as sequential scans of a table it believed empty, and kept the plans while thousands
    of likes arrived: three scans of the whole table per like, the PostgreSQL CPU of a like
    doubled.)"""
    from django.db import connection
    from django.utils import timezone

    from core.redis import get_redis
    from matching.models import LikeQuota

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE matching_like, matching_match, matching_likequota, matching_abuseflag, "
            "discovery_exposure, discovery_pass CASCADE"
        )
        cursor.execute(
            "INSERT INTO matching_like (id, created_at, updated_at, actor_id, target_id, comment)"
            " SELECT gen_random_uuid(), now() - interval '1 day', now() - interval '1 day',"
            f" md5('{ID_PREFIX}' || (%(base)s + actor))::uuid,"
            f" md5('{ID_PREFIX}' || (%(base)s + (actor + step * %(stride)s) %% %(people)s))::uuid,"
            " ''"
            " FROM generate_series(0, %(people)s - 1) AS actor,"
            " generate_series(1, %(per_person)s) AS step",
            {
                "base": targets_base,
                "people": TARGETS,
                "stride": 7,  # with TARGETS = 4000: no pair twice, nobody liking themselves
                "per_person": BACKGROUND_LIKES_PER_PERSON,
            },
        )
    now = timezone.now()
    LikeQuota.objects.bulk_create(
        [
            LikeQuota(
                user_id=person_id(number),
                day=now.date(),
                day_count=0,
                total_count=100,
                recent_at=[],
            )
            for number in range(likers)
        ]
    )
    with connection.cursor() as cursor:
        for table in ("matching_like", "matching_likequota", "discovery_exposure"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    get_redis().flushdb()


# The likes of the run (the background ones are a day old).
NEW_LIKES_SQL = "SELECT count(*) FROM matching_like WHERE created_at > now() - interval '1 hour'"


def new_likes() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(NEW_LIKES_SQL)
        return int(cursor.fetchone()[0])


# --- queries of one like -----------------------------------------------------------------------


def count_queries(targets_base: int) -> list[str]:
    """The statements of one POST /likes (a new pair), as Django's query log shows them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    from accounts.models import User
    from accounts.tokens import token_pair_for_user

    reset_likes(HTTP_LIKERS, targets_base)
    client = APIClient(HTTP_HOST="localhost")
    token = token_pair_for_user(User.objects.get(pk=person_id(0))).access
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    client.post("/api/v1/matching/likes", {"target_id": str(person_id(targets_base))})
    with CaptureQueriesContext(connection) as context:
        response = client.post(
            "/api/v1/matching/likes",
            {"target_id": str(person_id(targets_base + 1))},
            format="json",
        )
    assert response.status_code == 201, response.content
    return [" ".join(query["sql"].split())[:110] for query in context.captured_queries]


# --- raw: pgbench ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Load:
    per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    done: int
    # CPU milliseconds per request or transaction, by part ("server", "PostgreSQL", ...)
    cpu_ms: dict[str, float] = field(default_factory=dict)


def raw_script(*, raw_base: int, targets_base: int) -> str:
    """The like's transaction as the service runs it for a new pair: the quota upsert that
    locks the liker's row then the pair, then the read-and-insert that also moves the
    fairness counter."""
    actor = f"md5('{ID_PREFIX}' || ({raw_base} + :client_id))::uuid"
    target = f"md5('{ID_PREFIX}' || ({targets_base} + :target_number))::uuid"
    return f"""
\\set counter :counter + 1
\\set target_number (:counter + :client_id * {STRIDE}) % {TARGETS}
BEGIN;
INSERT INTO matching_likequota AS quota
    (user_id, day, day_count, total_count, recent_at, slowed_until, created_at, updated_at)
VALUES ({actor}, current_date, 1, 1, ARRAY[now()], NULL, now(), now())
ON CONFLICT (user_id) DO UPDATE SET
    day_count = CASE WHEN quota.day = EXCLUDED.day THEN quota.day_count + 1 ELSE 1 END,
    day = EXCLUDED.day, total_count = quota.total_count + 1,
    recent_at = (quota.recent_at || now())[greatest(1, cardinality(quota.recent_at) + 2 - 5):],
    updated_at = now()
RETURNING (day_count <= 100000000)::int AS may_insert,
    pg_advisory_xact_lock(hashtextextended(least({actor}, {target})::text
        || greatest({actor}, {target})::text, 0)) IS NULL AS pair_locked,
    set_config('plan_cache_mode', 'force_generic_plan', true) AS plan_mode \\gset
WITH facts AS (
    SELECT
        COALESCE(tp.is_discoverable AND ta.is_active AND ta.banned_at IS NULL
            AND (ta.suspended_until IS NULL OR ta.suspended_until <= now()), false)
            AS is_discoverable,
        COALESCE(tp.is_incognito, false) AS is_incognito,
        EXISTS (SELECT 1 FROM moderation_block b
            WHERE (b.blocker_id = {actor} AND b.blocked_id = {target})
               OR (b.blocker_id = {target} AND b.blocked_id = {actor})) AS is_blocked,
        (SELECT l.id FROM matching_like l
            WHERE l.actor_id = {actor} AND l.target_id = {target}) AS my_like_id,
        EXISTS (SELECT 1 FROM matching_like l
            WHERE l.actor_id = {target} AND l.target_id = {actor}) AS is_liked_back,
        pair.id AS match_id, pair.state AS match_state,
        EXISTS (SELECT 1 FROM discovery_pass p WHERE p.actor_id = {target}
            AND p.target_id = {actor} AND p.created_at > now() - interval '30 days')
            AS is_passed_by_target,
        EXISTS (SELECT 1 FROM discovery_pass p WHERE p.actor_id = {actor}
            AND p.target_id = {target} AND p.created_at > now() - interval '30 days')
            AS is_passed_by_me,
        true AS is_photo_valid, true AS is_prompt_valid, 0 AS same_comment_count
    FROM (SELECT 1) AS anchor
    LEFT JOIN profiles_profile tp ON tp.user_id = {target}
    LEFT JOIN accounts_user ta ON ta.id = {target}
    LEFT JOIN matching_match pair ON pair.user_low_id = least({actor}, {target})
        AND pair.user_high_id = greatest({actor}, {target})
),
inserted AS (
    INSERT INTO matching_like
        (id, created_at, updated_at, actor_id, target_id, comment, photo_id, prompt_id)
    SELECT gen_random_uuid(), now(), now(), {actor}, {target}, '', NULL, NULL FROM facts
    WHERE :may_insert = 1 AND facts.is_discoverable AND NOT facts.is_incognito
      AND NOT facts.is_blocked AND facts.match_id IS NULL AND facts.my_like_id IS NULL
    ON CONFLICT (actor_id, target_id) DO NOTHING
    RETURNING id, created_at
),
exposed AS (
    INSERT INTO discovery_exposure AS exposure
        (user_id, shown_count, liked_count, created_at, updated_at)
    SELECT {target}, 0, 1, now(), now() FROM inserted
    ON CONFLICT (user_id) DO UPDATE SET
        liked_count = exposure.liked_count + 1, updated_at = now()
)
SELECT facts.*, inserted.id, inserted.created_at FROM facts LEFT JOIN inserted ON true;
COMMIT;
"""


def measure_raw(
    database_url: str, arguments: argparse.Namespace, *, raw_base: int, protocol: str
) -> Load:
    from django.db import connection

    reset_likes(HTTP_LIKERS + arguments.clients, targets_base=HTTP_LIKERS + arguments.clients)
    script = raw_script(raw_base=raw_base, targets_base=HTTP_LIKERS + arguments.clients)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "like.sql"
        path.write_text(script)
        command = ["pgbench", "-n", "-M", protocol, "-c", str(arguments.clients), "-j", "2",
                   "-T", f"{arguments.seconds:g}", "-D", "counter=0", "-f", str(path),
                   "-l", "--log-prefix", str(Path(folder) / "log"), database_url]  # fmt: skip
        # CPU measured inside the run (its backends end with it): from 1 s in to 0.5 s
        # before the end, against the transactions pgbench logged in that window.
        run = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        window = CpuWindow({"PostgreSQL": named("postgres"), "pgbench": named("pgbench")})
        time.sleep(1.0)
        window.start()
        window_from = time.time()
        time.sleep(max(0.5, arguments.seconds - 1.5))
        cpu = window.stop()
        window_to = time.time()
        output, errors = run.communicate()
        if run.returncode:
            raise RuntimeError(f"pgbench failed: {errors}")
        latencies = []
        in_window = 0
        for log in Path(folder).glob("log*"):
            for line in log.read_text().splitlines():
                fields = line.split()
                latencies.append(int(fields[2]) / 1000)
                ended = int(fields[4]) + int(fields[5]) / 1e6
                in_window += window_from <= ended < window_to
    per_second = float(re.search(r"tps = ([\d.]+)", output).group(1))  # type: ignore[union-attr]
    failed = re.search(r"number of failed transactions: (\d+)", output)
    with connection.cursor() as cursor:
        cursor.execute(NEW_LIKES_SQL)
        done = int(cursor.fetchone()[0])
    return Load(
        per_second=per_second,
        p50_ms=statistics.median(latencies),
        p99_ms=percentile(latencies, 0.99),
        errors=int(failed.group(1)) if failed else 0,
        done=done,
        cpu_ms={part: 1000 * seconds / max(1, in_window) for part, seconds in cpu.items()},
    )


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


# --- HTTP: wrk against uvicorn -----------------------------------------------------------------

_LUA = """
local next_thread = 0
function setup(thread)
  thread:set("thread_number", next_thread)
  next_thread = next_thread + 1
end
tokens = {%(tokens)s}
targets = {%(targets)s}
per_thread = %(per_thread)d
counter = 0
request = function()
  local liker = thread_number * per_thread + (counter %% per_thread)
  local round = math.floor(counter / per_thread)
  local target = (round + liker * %(stride)d) %% #targets
  counter = counter + 1
  local body = '{"target_id": "' .. targets[target + 1] .. '"}'
  local headers = {
    ["Host"] = "localhost",
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. tokens[liker + 1],
  }
  return wrk.format("POST", "/api/v1/matching/likes", headers, body)
end
"""

WRK_THREADS = 2


def run_wrk(base_url: str, lua: str, *, connections: int, seconds: float) -> Load:
    from http_load import _find, _milliseconds

    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "likes.lua"
        script.write_text(lua)
        output = subprocess.run(
            ["wrk", "-t", str(min(WRK_THREADS, connections)), "-c", str(connections),
             "-d", f"{seconds:g}s", "--latency", "-s", str(script), base_url],
            check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
    return Load(
        per_second=float(_find(r"Requests/sec:\s+([\d.]+)", output)),
        p50_ms=_milliseconds(_find(r"\n\s+50%\s+([\d.]+\w+)", output)),
        p99_ms=_milliseconds(_find(r"\n\s+99%\s+([\d.]+\w+)", output)),
        errors=int(_find(r"Non-2xx or 3xx responses:\s+(\d+)", output, default="0")),
        done=int(_find(r"(\d+) requests in", output)),
    )


@dataclass(frozen=True)
class HttpResult:
    spec: ServerSpec
    likes: Load
    alone: Load
    health: Load
    likes_recorded: int
    # (the raw protocol whose rate it is a quarter of, the open-loop result)
    open_loop: list[tuple[str, OpenLoopResult]]


def measure_http(
    arguments: argparse.Namespace, spec: ServerSpec, raws: list[tuple[str, Load]]
) -> HttpResult:
    from http_load import run_wrk as run_wrk_get

    from accounts.models import User
    from accounts.tokens import token_pair_for_user

    users = User.objects.in_bulk([person_id(number) for number in range(HTTP_LIKERS)])
    tokens = [token_pair_for_user(users[person_id(number)]).access for number in range(HTTP_LIKERS)]
    targets_base = HTTP_LIKERS + arguments.clients
    targets = [str(person_id(targets_base + number)) for number in range(TARGETS)]
    lua = _LUA % {
        "tokens": ", ".join(f'"{token}"' for token in tokens),
        "targets": ", ".join(f'"{target}"' for target in targets),
        "per_thread": HTTP_LIKERS // WRK_THREADS,
        "stride": STRIDE,
    }
    with running_process(spec) as (base, server_pid):
        # Every worker up and warm before anything is measured.
        run_wrk_get(base, "/api/v1/health", tokens=[], connections=arguments.clients, seconds=2)
        got = run_wrk_get(
            base, "/api/v1/health", tokens=[], connections=arguments.clients, seconds=3
        )
        health = Load(
            per_second=got.per_second,
            p50_ms=got.p50_ms,
            p99_ms=got.p99_ms,
            errors=got.non_2xx,
            done=0,
        )
        # Warm-up (connections, pools, code paths), then a clean slate for the measurement.
        reset_likes(HTTP_LIKERS, targets_base)
        run_wrk(base, lua, connections=arguments.clients, seconds=3)
        time.sleep(2)  # requests still in flight when wrk stops must finish first
        reset_likes(HTTP_LIKERS, targets_base)
        time.sleep(1)
        window = CpuWindow({"server": tree_of(server_pid), "PostgreSQL": named("postgres")})
        window.start()
        likes = run_wrk(base, lua, connections=arguments.clients, seconds=arguments.seconds)
        cpu = window.stop()
        time.sleep(2)  # the last requests in flight
        recorded = new_likes()
        likes = replace(
            likes, cpu_ms={part: 1000 * seconds / likes.done for part, seconds in cpu.items()}
        )
        # One client alone: the time a like takes when it waits behind no other request.
        reset_likes(HTTP_LIKERS, targets_base)
        alone = run_wrk(base, lua, connections=1, seconds=arguments.seconds / 2)
        # Open loop: the same clients sending, in all, a quarter of the raw rate.
        open_loop = []
        for protocol, raw in raws:
            time.sleep(2)  # requests of the previous load still in flight finish first
            reset_likes(HTTP_LIKERS, targets_base)
            time.sleep(1)
            result = run_open_loop(
                base,
                lambda sequence: like_request(sequence, tokens, targets),
                connections=arguments.clients,
                rate=round(raw.per_second * TARGET_SHARE_OF_RAW),
                seconds=arguments.seconds,
            )
            open_loop.append((protocol, result))
            print(f"{spec.label}, open loop at {result.offered_per_second:.0f}/s: "
                  f"p99 {result.p99_ms:.1f} ms", flush=True)  # fmt: skip
    print(f"{spec.label}: {likes.per_second:.0f} likes/s, p99 {likes.p99_ms:.1f} ms", flush=True)
    return HttpResult(
        spec=spec,
        likes=likes,
        alone=alone,
        health=health,
        likes_recorded=recorded,
        open_loop=open_loop,
    )


def _sustained_within(load: OpenLoopResult, p99_ms: float) -> bool:
    """The server kept up with the offered rate (answered at least 97% of it) and the
    p99 stayed within `p99_ms`."""
    return load.p99_ms <= p99_ms and load.answered_per_second >= 0.97 * load.offered_per_second


def like_request(sequence: int, tokens: list[str], targets: list[str]) -> bytes:
    """Request `sequence` of the open loop: liker and target chosen as the wrk script does,
    so that every like is a new pair."""
    liker = sequence % HTTP_LIKERS
    target = targets[(sequence // HTTP_LIKERS + liker * STRIDE) % len(targets)]
    return http_request(
        "POST",
        "/api/v1/matching/likes",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {tokens[liker]}"},
        body=f'{{"target_id": "{target}"}}'.encode(),
    )


# --- report ------------------------------------------------------------------------------------


def render(
    arguments: argparse.Namespace,
    queries: list[str],
    raws: list[tuple[str, Load]],
    results: list[HttpResult],
    load_before: tuple[float, float, float],
    load_after: tuple[float, float, float],
) -> str:
    best = results[0]  # the production server (gunicorn) comes first
    raw_protocol, raw = max(raws, key=lambda item: item[1].per_second)
    work = [q for q in queries if q.split()[0].upper() not in ("BEGIN", "COMMIT")]
    rows = [
        (f"the like's transaction, raw SQL (pgbench, {protocol} protocol)", "–", load)
        for protocol, load in raws
    ]
    for result in results:
        rows += [
            ("GET /api/v1/health (no database)", result.spec.label, result.health),
            ("POST /api/v1/matching/likes", result.spec.label, result.likes),
            ("POST /api/v1/matching/likes, 1 client", result.spec.label, result.alone),
        ]
    # Little's law: with N clients each waiting for its answer, the mean latency is N / rate.
    raw_floor_ms = 1000.0 * arguments.clients / raw.per_second if raw.per_second else 0.0
    rates = sorted(load.per_second for _, load in raws)
    raws_ratio = rates[-1] / rates[0] if rates[0] else 0.0
    budget_ms = 1000.0 * CPU_COUNT / (TARGET_SHARE_OF_RAW * raw.per_second)
    lines = [
        "# Likes benchmark",
        "",
        f"{arguments.clients} concurrent clients on loopback for {arguments.seconds:g} s each "
        f"(and one client alone); wrk ({WRK_THREADS} threads) and pgbench "
        f"(`-c {arguments.clients} -j 2`) on the same 2-core machine, one after the other. "
        f"Every like is a new (liker, liked) pair: {HTTP_LIKERS} likers over HTTP, "
        f"{arguments.clients} with pgbench, {TARGETS} people liked.",
        "",
        "| measurement | server | requests/s | p50 ms | p99 ms | errors | likes done |",
        "|---|---|---:|---:|---:|---:|---:|",
        *[
            f"| {name} | {server} | {load.per_second:.0f} | {load.p50_ms:.1f} | "
            f"{load.p99_ms:.1f} | {load.errors} | {load.done if 'health' not in name else '–'} |"
            for name, server, load in rows
        ],
        "",
        *[
            f"Likes recorded by the {arguments.clients}-client run on {result.spec.label}: "
            f"{result.likes_recorded} ({result.likes.done} requests counted by wrk in its "
            f"window, {result.likes.errors} not 2xx)."
            for result in results
        ],
        "",
        f"**Open loop** (bench/open_loop.py): the {arguments.clients} clients send, in all, a "
        "quarter of the raw transaction's rate (the rate the target asks the server to "
        "sustain), every request timed from the moment it was due.",
        "",
        "| server | a quarter of the raw rate of | offered/s | answered/s | p50 ms | p90 ms | "
        "p99 ms | max ms | non-2xx |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
        *[
            f"| {result.spec.label} | {protocol} protocol | {load.offered_per_second:.0f} | "
            f"{load.answered_per_second:.0f} | {load.p50_ms:.1f} | {load.p90_ms:.1f} | "
            f"{load.p99_ms:.1f} | {load.max_ms:.1f} | {load.non_2xx} |"
            for result in results
            for protocol, load in result.open_loop
        ],
        "",
        f"| target (first server: {best.spec.label}) | figure | met |",
        "|---|---|---|",
        *[
            f"| HTTP rate ≥ 25% of the raw rate ({protocol} protocol, {load.per_second:.0f}/s) "
            f"| {best.likes.per_second / load.per_second:.0%} | "
            f"{'yes' if best.likes.per_second >= TARGET_SHARE_OF_RAW * load.per_second else 'NO'}"
            " |"
            for protocol, load in raws
        ],
        *[
            f"| p99 ≤ 30 ms at {arguments.clients} clients sending 25% of the raw rate "
            f"({protocol} protocol, {load.offered_per_second:.0f}/s), open loop | "
            f"{load.p99_ms:.1f} ms | "
            f"{'yes' if _sustained_within(load, 30.0) else 'NO'} |"
            for protocol, load in best.open_loop
        ],
        f"| (closed loop, for reference: p99 at {arguments.clients} clients) | "
        f"{best.likes.p99_ms:.1f} ms | {'yes' if best.likes.p99_ms <= 30 else 'NO'} |",
        f"| ≤ 4 queries per like (authentication included) | {len(work)} "
        f"(+ BEGIN/COMMIT) | {'yes' if len(work) <= 4 else 'NO'} |",
        "",
        "CPU per like (closed-loop run; from /proc, ms per request or transaction):",
        "",
        "| measurement | server | server ms | PostgreSQL ms | pgbench ms |",
        "|---|---|---:|---:|---:|",
        *[
            f"| raw SQL, {protocol} protocol | – | – | {load.cpu_ms.get('PostgreSQL', 0):.2f} | "
            f"{load.cpu_ms.get('pgbench', 0):.2f} |"
            for protocol, load in raws
        ],
        *[
            f"| POST /matching/likes | {result.spec.label} | "
            f"{result.likes.cpu_ms.get('server', 0):.2f} | "
            f"{result.likes.cpu_ms.get('PostgreSQL', 0):.2f} | – |"
            for result in results
        ],
        "",
        "Reading: the like's database work is the raw row; over HTTP each like also pays JWT "
        "authentication, DRF, and after commit one Redis round trip (the likes-received "
        "count dropped, the `matching.like_received` PUBLISH, the like's id pushed onto the "
        "notification outbox, whose drain task is queued only by a push that finds it "
        "empty). No Celery worker runs here: the notifications themselves (written by the "
        "worker, in batches) are not in the HTTP rows, nor in the raw one. The open-loop rows show "
        "the wait at the rate the target asks for: where that rate is above what the server "
        "manages (answered/s below offered/s), requests queue without bound. With "
        f"{arguments.clients} clients each waiting for its answer, mean latency is "
        f"{arguments.clients} ÷ rate (Little's law): a p99 of 30 ms at "
        f"{arguments.clients} clients needs more than {1000 * arguments.clients / 30:.0f} "
        f"likes/s; the raw transaction's {raw.per_second:.0f}/s ({raw_protocol} protocol) "
        f"means {raw_floor_ms:.0f} ms on average. The 1-client rows show the time a like "
        "takes when it waits behind nothing. With prepared statements the raw transaction "
        f"runs {raws_ratio:.1f}× as fast as with the simple protocol: planning is most of "
        "its cost.",
        "",
        f"CPU budget: on {CPU_COUNT} cores, 25% of the raw rate ({raw_protocol} protocol, "
        f"{TARGET_SHARE_OF_RAW * raw.per_second:.0f}/s) leaves {budget_ms:.2f} ms of CPU per "
        "like for everything on the machine; the server spent "
        f"{best.likes.cpu_ms.get('server', 0):.2f} ms and PostgreSQL "
        f"{best.likes.cpu_ms.get('PostgreSQL', 0):.2f} ms per like.",
        "",
        "Statements of one like, as Django logs them:",
        "",
        *[f"1. `{query}…`" for query in queries],
        "",
        f"Load average (1/5/15 min) before: {load_before[0]:.1f} / {load_before[1]:.1f} / "
        f"{load_before[2]:.1f}; after: {load_after[0]:.1f} / {load_after[1]:.1f} / "
        f"{load_after[2]:.1f}.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
