"""gunicorn settings for the HTTP API: the Docker image's default command and the `web`
service of docker-compose.yml. WebSockets are served by uvicorn on config.asgi (the
`realtime` service); a reverse proxy in front sends /ws/ there and everything else here.

Why WSGI for HTTP: Django's views and middleware are sync. Under an ASGI server each
middleware hops between the event loop and a thread on every request; on the 2-core
reference box GET /health did 270 requests/s on one uvicorn worker and 1,300 on one
gunicorn worker (bench/results/likes.md and deck-1m.md compare both under load).

Every value can be overridden from the environment: WEB_CONCURRENCY (worker processes,
default 2), GUNICORN_THREADS (threads per worker, default 4; keep DATABASE_POOL_MAX_SIZE at
least this), GUNICORN_TIMEOUT (seconds before a stuck worker is restarted, default 30),
FORWARDED_ALLOW_IPS (proxies whose X-Forwarded-* headers are trusted).
"""

import os

wsgi_app = "config.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Access lines come from Django's own request logging; errors go to stderr.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Workers are recycled now and then, with jitter so that they do not all restart at once.
max_requests = 20_000
max_requests_jitter = 2_000
# The app is loaded once, in the master, and workers are forked from it: a recycled worker
# is back in milliseconds instead of the 1-2 s an import of Django and every app takes,
# during which the other workers carried its load (a p99 of 170 ms at half capacity in
# bench/deck.py). Nothing opens a connection at import time.
preload_app = True


def when_ready(server: object) -> None:
    """In the master, once the app is loaded and before any worker is forked: keep what
    start-up loaded out of the garbage collector's full passes (core.process). Workers
    inherit it, and their pages stay shared with the master (a pass would write to them)."""
    from core.process import freeze_startup_objects

    freeze_startup_objects()
