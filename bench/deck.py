"""Discovery benchmark (issue 4): the candidate query through Django next to the same SQL run
raw by pgbench in the same run (ring by ring, as fetch_candidates runs it, and as one query
over the whole radius for reference), the whole deck build next to its own SQL, the cost of
excluding 20,000 past swipes, and GET /deck under concurrent load next to GET /health on
the same server. Writes a markdown report to bench/results/deck-<size>.md.

    .venv/bin/python bench/deck.py                 # 100,000 profiles
    .venv/bin/python bench/deck.py --profiles 1000000
    .venv/bin/python bench/deck.py --servers gunicorn:2x8,gunicorn:3x4,uvicorn:2,daphne
    .venv/bin/python bench/deck.py --only sql      # one part, printed, no report written

Uses its own database (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/
kindred_bench), which it migrates and fills; the data stays for the next run unless the
requested size differs (keep a second database for 1M, e.g. BENCH_DATABASE_URL=.../
kindred_bench_1m, to switch sizes without seeding again). Needs pgbench and wrk on PATH.
Targets on the 2-core reference machine: candidate SQL p50 ≤ 10 ms at 100k (≤ 20 ms at
1M); the task ≤ 2x its SQL time; exclusion at 20,000 swipes ≤ 1.5x the query without it;
GET /deck p99 ≤ 50 ms at 50 clients.
"""

import argparse
import io
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from database import ensure_database  # noqa: E402
from servers import running, server_specs  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/kindred_bench"
DECK_PATH = "/api/v1/discovery/deck?limit=10"
# Open-loop loads, as shares of the closed-loop capacity; the target is held at TARGET_SHARE.
OPEN_LOOP_SHARES = (0.25, 0.5, 0.75)
TARGET_SHARE = 0.5

# (name, latitude, longitude, share of profiles, spread in degrees)
CITIES = [
    ("Paris", 48.8566, 2.3522, 0.55, 0.12),
    ("Lyon", 45.7640, 4.8357, 0.15, 0.08),
    ("London", 51.5072, -0.1276, 0.15, 0.15),
    ("Mumbai", 19.0760, 72.8777, 0.15, 0.15),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profiles", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=200, help="timed runs per measurement")
    parser.add_argument("--radius", type=float, default=25.0)
    parser.add_argument("--limit", type=int, default=200)
    parser.add_argument("--clients", type=int, default=50, help="concurrent HTTP clients")
    parser.add_argument("--seconds", type=float, default=8.0, help="duration of each load")
    parser.add_argument(
        "--servers",
        type=server_specs,
        default=server_specs("gunicorn:2x4,uvicorn:2"),  # gunicorn as config/gunicorn.conf.py
        help="servers to load (bench/servers.py), e.g. gunicorn:2x8,uvicorn:2:nopool,daphne; "
        "the targets are held against the first (production serves HTTP with gunicorn)",
    )
    parser.add_argument(
        "--only", choices=("sql", "http"), help="run only the SQL or only the HTTP part"
    )
    arguments = parser.parse_args()

    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    ensure_database(database_url)
    os.environ["DATABASE_URL"] = database_url
    # Local settings, debug off: the server under load uses the same ones (same signing key,
    # so the tokens made here are valid there).
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("KINDRED_REDIS_PREFIX", "kindred-bench")
    # Its own Redis database: the server under load queues rebuild tasks there unread.
    os.environ["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    seed(arguments.profiles)
    report = "\n".join(
        [
            measure(arguments) if arguments.only != "http" else "",
            measure_http(arguments) if arguments.only != "sql" else "",
        ]
    )
    label = (
        f"{arguments.profiles // 1_000_000}m"
        if arguments.profiles >= 1_000_000
        else f"{arguments.profiles // 1000}k"
    )
    print(report)
    if arguments.only:
        return 0  # a partial run does not replace the report
    output = ROOT / "bench" / "results" / f"deck-{label}.md"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(report)
    print(f"report written to {output.relative_to(ROOT)}")
    return 0


# --- data ----------------------------------------------------------------------------------


def seed(count: int) -> None:
    """Fill the tables with `count` discoverable profiles, unless they are there already."""
    from django.db import connection

    from profiles.models import Profile

    existing = Profile.objects.filter(is_discoverable=True).count()
    if existing == count:
        print(f"{count} profiles already seeded")
        with connection.cursor() as cursor:  # a migration may have rewritten rows since
            cursor.execute("VACUUM ANALYZE profiles_profile")
        return
    print(f"seeding {count} profiles …")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE accounts_user, profiles_profile, discovery_pass, discovery_exposure CASCADE"
        )
    rng = random.Random(42)
    batch = 50_000
    for offset in range(0, count, batch):
        users, profiles = io.StringIO(), io.StringIO()
        for number in range(offset, min(count, offset + batch)):
            _write_person(rng, number, users, profiles)
        _copy("accounts_user", USER_COLUMNS, users)
        _copy("profiles_profile", PROFILE_COLUMNS, profiles)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE accounts_user")
        cursor.execute("VACUUM ANALYZE profiles_profile")
    print(f"seeded in {time.perf_counter() - started:.1f} s")


USER_COLUMNS = [
    "id", "password", "is_superuser", "email", "time_zone", "is_active", "is_staff",
    "date_joined", "last_seen_at", "token_version",
]  # fmt: skip
PROFILE_COLUMNS = [
    "user_id", "created_at", "updated_at", "display_name", "birth_date", "gender", "bio",
    "relationship_intent", "languages", "interested_in", "age_min", "age_max",
    "max_distance_km", "wants_verified_only", "religion", "community", "mother_tongue",
    "marital_status", "education", "occupation", "income_band", "family_details", "diet",
    "smoking", "drinking", "is_paused", "is_incognito", "show_distance", "show_age",
    "latitude", "longitude", "cell", "city", "traits", "is_verified", "is_complete",
    "is_discoverable",
]  # fmt: skip


def _write_person(
    rng: random.Random, number: int, users: io.StringIO, profiles: io.StringIO
) -> None:
    from profiles import geo

    city, latitude, longitude, _, spread = _pick_city(rng)
    lat, lng = geo.snap(latitude + rng.gauss(0, spread / 2), longitude + rng.gauss(0, spread / 2))
    user_id = uuid.UUID(int=rng.getrandbits(128), version=4)
    now = datetime.now(UTC)
    seen = now - timedelta(minutes=rng.randint(0, 60 * 24 * 30))
    gender = rng.choices(["woman", "man", "nonbinary"], weights=[48, 48, 4])[0]
    wanted = {"woman": "{man}", "man": "{woman}", "nonbinary": "{woman,man,nonbinary}"}[gender]
    age = rng.randint(18, 60)
    birth = date(now.year - age, rng.randint(1, 12), rng.randint(1, 28))
    traits = "{" + ",".join(str(rng.randint(0, 100)) for _ in range(6)) + "}"
    users.write(
        f"{user_id}\t!\tf\tbench{number}@example.com\tUTC\tt\tf\t{now.isoformat()}\t"
        f"{seen.isoformat()}\t0\n"
    )
    profiles.write(
        "\t".join(
            [
                str(user_id),
                now.isoformat(),
                now.isoformat(),
                f"Bench {number}",
                birth.isoformat(),
                gender,
                "",
                "",
                "{}",
                wanted,
                str(max(18, age - 8)),
                str(min(100, age + 8)),
                str(rng.choice([10, 25, 50, 100])),
                "f",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "f",
                "f",
                "t",
                "t",
                str(lat),
                str(lng),
                str(geo.cell_of(lat, lng)),
                city,
                traits,
                "t" if rng.random() < 0.3 else "f",
                "t",
                "t",
            ]
        )
        + "\n"
    )


def _pick_city(rng: random.Random) -> tuple[str, float, float, float, float]:
    roll, total = rng.random(), 0.0
    for city in CITIES:
        total += city[3]
        if roll <= total:
            return city
    return CITIES[-1]


def _copy(table: str, columns: list[str], data: io.StringIO) -> None:
    from django.db import connection

    data.seek(0)
    with connection.cursor() as cursor:
        copy_sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        with cursor.cursor.copy(copy_sql) as copy:
            copy.write(data.getvalue())


# --- measurements --------------------------------------------------------------------------


def dense_city_user():
    """A woman in her thirties near the centre of the dense city, looking for men."""
    from profiles.models import Profile

    paris = CITIES[0]
    return (
        Profile.objects.filter(
            is_discoverable=True,
            gender="woman",
            interested_in__contains=["man"],
            latitude__range=(paris[1] - 0.02, paris[1] + 0.02),
            longitude__range=(paris[2] - 0.02, paris[2] + 0.02),
        )
        .order_by("user_id")
        .first()
    )


def timed(function, runs: int) -> list[float]:
    function()  # warm caches and the plan
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def task_runs(function, runs: int) -> tuple[list[float], list[float]]:
    """For each run, the whole time of the function and the summed time of the SQL statements
    it ran, from the same run: on a shared machine the load drifts between runs, so the two
    are only comparable measured together. Statements are timed around the driver's execute
    (Django's own record of queries keeps whole milliseconds only)."""
    from django.db import connection

    statement_ns: list[int] = []

    def timed_execute(execute, sql, params, many, context):
        started = time.perf_counter_ns()
        try:
            return execute(sql, params, many, context)
        finally:
            statement_ns.append(time.perf_counter_ns() - started)

    function()  # warm caches and plans
    totals, sql = [], []
    with connection.execute_wrapper(timed_execute):
        for _ in range(runs):
            statement_ns.clear()
            started = time.perf_counter()
            function()
            totals.append((time.perf_counter() - started) * 1000)
            sql.append(sum(statement_ns) / 1e6)
    return totals, sql


def ratios(totals: list[float], sql: list[float]) -> list[float]:
    return [total / max(part, 0.001) for total, part in zip(totals, sql, strict=True)]


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def pgbench_latencies(database_url: str, statement: str, runs: int) -> list[float]:
    """Run one statement `runs` times with pgbench (one client) and return per-transaction
    latencies in ms from its log."""
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "query.sql"
        script.write_text(statement.strip().rstrip(";") + ";\n")
        subprocess.run(
            ["pgbench", "-n", "-c", "1", "-t", str(runs), "-f", str(script), "-l",
             "--log-prefix", str(Path(folder) / "log"), database_url],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        latencies = []
        for log in Path(folder).glob("log*"):
            for line in log.read_text().splitlines():
                latencies.append(int(line.split()[2]) / 1000)
        return latencies


def inline(sql_text: str, params: list) -> str:
    """The statement with its parameters written in, for pgbench (which has no binds here).
    The connection binds on the server, so a client-binding cursor writes them in."""
    import psycopg
    from django.db import connection

    connection.ensure_connection()
    return psycopg.ClientCursor(connection.connection).mogrify(sql_text, params)


def statements_of(function) -> list[str]:
    """The SQL statements `function` runs, parameters written in."""
    from django.db import connection

    statements: list[str] = []

    def record(execute, sql, params, many, context):
        statements.append(inline(sql, params) if params else sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        function()
    return statements


def cold_deck_build(user_id) -> None:
    """One deck build as a Celery worker runs it for someone it has not seen lately: the
    visibility SQL of discovery.visibility is compiled afresh (its per-process cache empty)."""
    from discovery import visibility
    from discovery.deck_services import deck_build

    visibility._visibility_cache.clear()
    deck_build(user_id=user_id)


def measure(arguments: argparse.Namespace) -> str:
    from django.conf import settings
    from django.test.utils import override_settings

    from core.redis import get_redis
    from discovery import visibility
    from discovery.candidates import candidate_sql, fetch_candidates
    from discovery.models import Pass

    database_url = os.environ["DATABASE_URL"]
    viewer = dense_city_user()
    assert viewer is not None, "no profile in the dense city: seed first"
    radius, limit, runs = arguments.radius, arguments.limit, arguments.runs
    # Decks and served sets left by an earlier run's load would change what a build does.
    get_redis().flushdb()
    load = "{:.1f} / {:.1f} / {:.1f}".format(*os.getloadavg())

    def rings():
        # Cold, as in a deck build: the viewer's visibility SQL compiled afresh.
        visibility._visibility_cache.clear()
        return fetch_candidates(profile=viewer, radius_km=radius, limit=limit)

    def one_query():
        return inline(*candidate_sql(profile=viewer, radius_km=radius, limit=limit))

    Pass.objects.filter(actor_id=viewer.pk).delete()
    django_plain = timed(rings, runs)
    ring_statements = statements_of(rings)
    raw_plain = pgbench_latencies(database_url, ";\n".join(ring_statements), runs)
    raw_one_query = pgbench_latencies(database_url, one_query(), runs)
    found = len(rings())
    build_runs = max(20, runs // 4)
    # The task as the issue sets it (ranked top-`limit`), then at the deployed deck size.
    with override_settings(KINDRED_DECK_SIZE=limit):
        build, build_sql = task_runs(lambda: cold_deck_build(viewer.pk), build_runs)
        build_statements = len(statements_of(lambda: cold_deck_build(viewer.pk)))
    build_ratio = ratios(build, build_sql)
    default_size = settings.KINDRED_DECK_SIZE
    default_build, default_build_sql = task_runs(lambda: cold_deck_build(viewer.pk), build_runs)

    # 20,000 past swipes: passes on nearby profiles, as a heavy user would have.
    from profiles.models import Profile

    nearby = list(
        Profile.objects.filter(cell__in=_cells(viewer, radius))
        .exclude(pk=viewer.pk)
        .values_list("pk", flat=True)[:20_000]
    )
    Pass.objects.bulk_create(
        [Pass(actor_id=viewer.pk, target_id=target) for target in nearby], batch_size=5000
    )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE discovery_pass")
    django_excluded = timed(rings, runs)
    excluded_statements = statements_of(rings)
    raw_excluded = pgbench_latencies(database_url, ";\n".join(excluded_statements), runs)
    raw_one_query_excluded = pgbench_latencies(database_url, one_query(), runs)
    plan = explain(excluded_statements[0], None)
    Pass.objects.filter(actor_id=viewer.pk).delete()

    size = Profile.objects.filter(is_discoverable=True).count()
    target = 10.0 if size <= 150_000 else 20.0
    p50 = statistics.median
    rings_plain = f"{len(ring_statements)} ring{'s' if len(ring_statements) > 1 else ''}"
    rings_excluded = f"{len(excluded_statements)} ring{'s' if len(excluded_statements) > 1 else ''}"
    rows = [
        (f"candidate query, ring by ring ({rings_plain}), Django", django_plain),
        (f"candidate query, ring by ring ({rings_plain}), raw SQL (pgbench)", raw_plain),
        ("candidate query, one query for the whole radius, raw SQL (pgbench)", raw_one_query),
        (f"deck build task, top {limit} (service; {build_statements} queries)", build),
        (f"deck build task, top {limit}: its own SQL (sum of its queries)", build_sql),
        (f"deck build task, top {default_size} (KINDRED_DECK_SIZE)", default_build),
        (f"deck build task, top {default_size}: its own SQL", default_build_sql),
        (
            f"candidate query with {len(nearby):,} passes ({rings_excluded}), Django",
            django_excluded,
        ),
        (
            f"candidate query with {len(nearby):,} passes ({rings_excluded}), raw SQL (pgbench)",
            raw_excluded,
        ),
        (
            f"candidate query with {len(nearby):,} passes, one query, raw SQL (pgbench)",
            raw_one_query_excluded,
        ),
    ]
    lines = [
        "# Discovery benchmark",
        "",
        f"{size:,} discoverable profiles; viewer in the dense city (Paris), radius {radius:g} km, "
        f"the nearest {limit}; {found} candidates returned; {runs} runs each "
        f"({build_runs} for the task). Load average (1/5/15 min) when they started: {load}; "
        "other engineers share the 2 cores.",
        "",
        "| measurement | p50 ms | p95 ms |",
        "|---|---:|---:|",
        *[
            f"| {name} | {p50(samples):.2f} | {percentile(samples, 0.95):.2f} |"
            for name, samples in rows
        ],
        "",
        "| target | figure | met |",
        "|---|---|---|",
        _check(f"candidate SQL p50 ≤ {target:g} ms", p50(raw_plain), target),
        _check(
            f"task (top {limit}) ≤ 2× its SQL time (median of per-run ratios)",
            p50(build_ratio),
            2.0,
            unit="×",
        ),
        f"| (the same at top {default_size}, for reference) "
        f"| {p50(ratios(default_build, default_build_sql)):.2f}× | |",
        _check(
            "exclusion at 20,000 swipes ≤ 1.5× without",
            p50(raw_excluded) / p50(raw_plain),
            1.5,
            unit="×",
        ),
        "",
        "Plan of the first ring's query (with the passes):",
        "",
        "```",
        plan,
        "```",
        "",
    ]
    return "\n".join(lines)


def _fresh_decks(people) -> None:
    """Empty the bench's Redis and build every person's deck deep enough that the load
    never drains one (each page takes 10)."""
    from django.core.cache import cache
    from django.test.utils import override_settings

    from core.redis import get_redis
    from discovery.deck_services import deck_build

    get_redis().flushdb()
    cache.clear()
    with override_settings(KINDRED_DECK_SIZE=1000):
        for profile in people:
            deck_build(user_id=profile.pk)


def measure_http(arguments: argparse.Namespace) -> str:
    """GET /deck under `clients` concurrent clients on loopback, each with its own person
    and a deck built beforehand, next to GET /health (no database) on the same server; once
    per server configuration of `--servers`."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    from accounts.models import User
    from accounts.tokens import token_pair_for_user
    from profiles.models import Profile

    load = os.getloadavg()
    paris = CITIES[0]
    people = list(
        Profile.objects.filter(
            is_discoverable=True,
            latitude__range=(paris[1] - 0.03, paris[1] + 0.03),
            longitude__range=(paris[2] - 0.03, paris[2] + 0.03),
        ).order_by("user_id")[: arguments.clients]
    )
    users = {user.pk: user for user in User.objects.filter(pk__in=[p.pk for p in people])}
    tokens = [token_pair_for_user(users[profile.pk]).access for profile in people]
    User.objects.filter(pk__in=users).update(last_seen_at=datetime.now(UTC))
    _fresh_decks(people)

    # Queries of one GET /deck, steady state (the auth query included).
    client = APIClient(HTTP_HOST="localhost")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens[0]}")
    client.get(DECK_PATH)
    with CaptureQueriesContext(connection) as context:
        client.get(DECK_PATH)
    queries = len(context.captured_queries)
    query_list = [query["sql"][:90] for query in context.captured_queries]

    from http_load import run_wrk
    from open_loop import http_request, run_open_loop

    def deck_request(sequence: int) -> bytes:
        token = tokens[sequence % len(tokens)]
        return http_request("GET", DECK_PATH, headers={"Authorization": f"Bearer {token}"})

    table = []
    open_table = []
    best_p99 = None
    best_open: tuple[str, float, float] | None = None  # (server, rate, p99) at half capacity
    for spec in arguments.servers:
        _fresh_decks(people)
        with running(spec) as base:
            health = run_wrk(base, "/api/v1/health", tokens=[], connections=arguments.clients,
                             seconds=arguments.seconds)  # fmt: skip
            deck = run_wrk(base, DECK_PATH, tokens=tokens,
                           connections=arguments.clients, seconds=arguments.seconds)  # fmt: skip
            # One client: the time a request takes without waiting behind others.
            alone = run_wrk(base, DECK_PATH, tokens=tokens,
                            connections=1, seconds=arguments.seconds / 2)  # fmt: skip
            # Open loop: the same clients at set shares of the rate the closed loop reached.
            for share in OPEN_LOOP_SHARES:
                _fresh_decks(people)
                rate = max(1.0, round(deck.per_second * share))
                result = run_open_loop(
                    base,
                    deck_request,
                    connections=arguments.clients,
                    rate=rate,
                    seconds=arguments.seconds,
                )
                open_table.append(
                    f"| {spec.label} | {share:.0%} | {rate:.0f} | {result.answered_per_second:.0f}"
                    f" | {result.p50_ms:.1f} | {result.p90_ms:.1f} | {result.p99_ms:.1f}"
                    f" | {result.max_ms:.1f} | {result.non_2xx} |"
                )
                print(open_table[-1], flush=True)
                if share == TARGET_SHARE and spec == arguments.servers[0]:
                    best_open = (spec.label, rate, result.p99_ms)
        if spec == arguments.servers[0]:
            best_p99 = deck.p99_ms
        for name, result in (("GET /api/v1/health (no database)", health),
                             (f"GET {DECK_PATH}", deck),
                             (f"GET {DECK_PATH}, 1 client", alone)):  # fmt: skip
            table.append(
                f"| {spec.label} | {name} | {result.per_second:.0f} | {result.p50_ms:.1f} | "
                f"{result.p99_ms:.1f} | {result.non_2xx} | {result.timeouts} |"
            )
            print(table[-1], flush=True)  # as it comes: a long run shows progress
    assert best_p99 is not None
    assert best_open is not None
    return "\n".join(
        [
            "## GET /deck under load",
            "",
            f"{arguments.clients} concurrent clients on loopback for {arguments.seconds:g} s each, "
            "on the same 2-core machine as PostgreSQL and Redis; decks rebuilt before each "
            "load. Load average (1/5/15 min) at the start: "
            "{:.1f} / {:.1f} / {:.1f}.".format(*load),
            "",
            "**Closed loop** (wrk, 2 threads): each client sends its next request the moment "
            "the previous answer arrives, so the server is always saturated: the rate is its "
            "capacity, and the latency is clients ÷ rate (Little's law) whatever the server "
            "does. One client alone shows the time a request takes when it waits behind "
            "nothing.",
            "",
            "| server | endpoint | requests/s | p50 ms | p99 ms | non-2xx | timeouts (10 s) |",
            "|---|---|---:|---:|---:|---:|---:|",
            *table,
            "",
            f"**Open loop** (bench/open_loop.py): the {arguments.clients} clients send at a set "
            "total rate, a share of the closed-loop capacity above, and each request is timed "
            "from the moment it was due (a request that waited for its connection counts the "
            "wait), so this is the time a person waits at that load.",
            "",
            "| server | share of capacity | offered/s | answered/s | p50 ms | p90 ms | p99 ms "
            "| max ms | non-2xx |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
            *open_table,
            "",
            "| target | figure | met |",
            "|---|---|---|",
            _check("GET /deck ≤ 3 queries (auth included)", queries, 3, unit=""),
            _check(
                f"GET /deck p99 ≤ 50 ms at {arguments.clients} clients, open loop at "
                f"{TARGET_SHARE:.0%} of capacity ({best_open[0]}, {best_open[1]:.0f}/s)",
                best_open[2],
                50.0,
            ),
            _check(
                f"(closed loop, for reference: p99 at {arguments.clients} clients)",
                best_p99,
                50.0,
            ),
            "",
            f"Reading: in the closed loop the mean latency is {arguments.clients} ÷ the rate, so "
            f"a p99 of 50 ms there would need well over {arguments.clients / 0.05:.0f} "
            "requests/s, beyond what even GET /health (no database) reaches with its own p99 "
            "under 50 ms on these 2 cores in the same runs. The open loop holds the target at "
            "a stated load instead: half of what the server can do at most.",
            "",
            "Queries of one GET /deck:",
            "",
            *[f"1. `{sql}…`" for sql in query_list],
            "",
        ]
    )


def _check(name: str, value: float, limit: float, unit: str = " ms") -> str:
    return f"| {name} | {value:.2f}{unit} | {'yes' if value <= limit else 'NO'} |"


def _cells(viewer, radius: float) -> list[int]:
    from discovery.cells import cells_covering

    return cells_covering(viewer.latitude, viewer.longitude, radius)


def explain(sql_text: str, params: list | None) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql_text, params)
        return "\n".join(row[0] for row in cursor.fetchall())


if __name__ == "__main__":
    sys.exit(main())
