"""`make run`: the whole stack on one machine, for a newcomer with nothing but Python.

Starts the embedded PostgreSQL when DATABASE_URL is unset, migrates, seeds demo accounts,
then serves HTTP and WebSocket on localhost:8000 (daphne's runserver). With REDIS_URL set
it also runs a Celery worker and beat. Ctrl-C stops every child and the embedded database.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PGDATA = Path(os.environ.get("KINDRED_EMBEDDED_PGDATA", ROOT / "var" / "pgdata"))
ADDRESS = os.environ.get("KINDRED_RUN_ADDRESS", "localhost:8000")


def main() -> int:
    # A closed terminal or a `kill` stops everything as cleanly as Ctrl-C does.
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGHUP, _interrupt)
    os.chdir(ROOT)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    embedded = not os.environ.get("DATABASE_URL")
    if embedded:
        sys.path.insert(0, str(ROOT))
        from core.embedded import embedded_database_config

        # This process holds the server for the whole run; children join it.
        embedded_database_config(PGDATA)
        print(f"Embedded PostgreSQL running from {PGDATA}")

    children: list[subprocess.Popen] = []
    try:
        manage("migrate", "--noinput", "-v", "0")
        manage("seed_demo")
        if os.environ.get("REDIS_URL"):
            children.append(celery("worker", "-Q", "default,decks,media,ai", "-l", "INFO"))
            children.append(celery("beat", "-l", "INFO"))
        print(f"\nKindred on http://{ADDRESS}/  (API docs /api/docs/, admin /admin/)\n")
        server = spawn([PYTHON, "manage.py", "runserver", ADDRESS])
        children.append(server)
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        return next(child.returncode for child in children if child.poll() is not None) or 0
    except KeyboardInterrupt:
        return 0
    finally:
        stop(children)
        if embedded:
            from core.embedded import stop_embedded_server

            stop_embedded_server(PGDATA)
            print("Embedded PostgreSQL stopped.")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def manage(*args: str) -> None:
    quiet = {**os.environ, "KINDRED_QUIET_FALLBACKS": "1"}
    subprocess.run([PYTHON, "manage.py", *args], check=True, env=quiet)


def celery(*args: str) -> subprocess.Popen:
    return spawn([PYTHON, "-m", "celery", "-A", "config", *args])


def spawn(command: list[str]) -> subprocess.Popen:
    # Each child leads its own process group, so that stopping it also stops what it started
    # (runserver's auto-reloader runs the real server as a grandchild).
    return subprocess.Popen(command, start_new_session=True)


def stop(children: list[subprocess.Popen]) -> None:
    for child in children:
        _signal_group(child, signal.SIGTERM)
    deadline = time.monotonic() + 10
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _signal_group(child, signal.SIGKILL)
            child.wait()


def _signal_group(child: subprocess.Popen, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # already gone
        os.killpg(child.pid, signum)


if __name__ == "__main__":
    sys.exit(main())
