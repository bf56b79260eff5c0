# syntax=docker/dockerfile:1
#
# Kindred production image: the HTTP API (gunicorn, config.wsgi) by default; the same image
# runs the realtime socket server (uvicorn, config.asgi), the Celery worker, beat and
# migrations with a different command (see docker-compose.yml).
#
#   docker build -t kindred-backend .
#   docker run --env-file .env -p 8000:8000 kindred-backend
#
# Every setting comes from the environment at run time (.env.example lists them);
# nothing secret is baked into the image.

FROM python:3.11-slim-bookworm

# WEB_CONCURRENCY and FORWARDED_ALLOW_IPS are read by gunicorn and uvicorn alike: the number
# of worker processes, and the proxies whose X-Forwarded-For/-Proto they trust. /app is read-only for
# the app user, so beat keeps its schedule in /tmp. Override any of them at run time.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    CELERY_BEAT_SCHEDULE_FILENAME=/tmp/celerybeat-schedule \
    WEB_CONCURRENCY=2 \
    FORWARDED_ALLOW_IPS=127.0.0.1

# An unprivileged user owns nothing in /app: the code cannot be rewritten at run time.
RUN groupadd --system --gid 10001 kindred \
    && useradd --system --uid 10001 --gid kindred --home-dir /home/kindred --create-home \
       --shell /usr/sbin/nologin kindred

WORKDIR /app

# Dependencies first, so that code changes do not reinstall them. All wheels are binary
# (psycopg[binary], pillow, pillow-heif, uvloop, httptools): no compiler needed.
COPY requirements/ requirements/
RUN pip install --no-cache-dir -r requirements/production.txt

COPY . .

# Static files (admin, Swagger UI) are collected and compressed at build time and served
# by WhiteNoise. Production settings refuse to load without their required variables, so
# this one step gets throwaway values that exist only for this RUN; the secret is random.
RUN DJANGO_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
    DATABASE_URL="postgres://build:build@127.0.0.1:5432/build" \
    REDIS_URL="redis://127.0.0.1:6379/0" \
    AWS_STORAGE_BUCKET_NAME="build-only" \
    DJANGO_ALLOWED_HOSTS="build.invalid" \
    python manage.py collectstatic --noinput \
    && python -m compileall -q -j 0 /app

# Health probe used by HEALTHCHECK and by docker-compose: GET a path on the local server
# with a Host header Django accepts (the first DJANGO_ALLOWED_HOSTS entry).
COPY --chmod=0755 <<'EOF' /usr/local/bin/kindred-healthcheck
#!/usr/bin/env python3
"""kindred-healthcheck [PATH [TIMEOUT]]: exit 0 when GET http://127.0.0.1:8000PATH
answers 200 within TIMEOUT seconds (default /api/v1/health, 4 s), else 1."""
import os
import sys
import urllib.request

path = sys.argv[1] if len(sys.argv) > 1 else "/api/v1/health"
timeout = float(sys.argv[2]) if len(sys.argv) > 2 else 4.0
hosts = [
    host.strip().lstrip(".")
    for host in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",")
    if host.strip() not in ("", "*")
]
request = urllib.request.Request(
    f"http://127.0.0.1:8000{path}",
    headers={"Host": hosts[0] if hosts else "localhost"},
)
try:
    with urllib.request.urlopen(request, timeout=timeout) as response:
        sys.exit(0 if response.status == 200 else 1)
except Exception as error:  # noqa: BLE001
    print(f"health check {path} failed: {error}", file=sys.stderr)
    sys.exit(1)
EOF

USER kindred

EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["kindred-healthcheck", "/api/v1/health"]

# HTTP: gunicorn with threaded workers (config/gunicorn.conf.py says why and what can be
# tuned). The realtime service runs instead:
#   uvicorn config.asgi:application --host 0.0.0.0 --port 8000 --proxy-headers \
#       --lifespan off --no-server-header
CMD ["gunicorn", "--config", "config/gunicorn.conf.py"]
