"""`manage.py check --deploy` on production settings with the variables of .env.example.

The example leaves secrets empty, so a random DJANGO_SECRET_KEY is made for this check only.
Any warning fails the check.
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    example = read_env_file(ROOT / ".env.example")
    # Everything the example sets wins over the caller's environment (e.g. a CI DATABASE_URL).
    env = {**os.environ, **example}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.production"
    env["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(64)
    command = [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"]
    return subprocess.run(command, cwd=ROOT, env=env, check=False).returncode


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines; blank lines and # comments skipped, surrounding quotes removed."""
    values: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.strip()] = value.strip().strip("'\"")
    return values


if __name__ == "__main__":
    sys.exit(main())
