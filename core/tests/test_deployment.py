"""The production serving layout: gunicorn (config.wsgi) for HTTP, uvicorn (config.asgi) for
the realtime socket, nginx in front sending /ws/ to the latter (docs/scaling.md)."""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"Host": "localhost"})
    with urllib.request.urlopen(request, timeout=2) as response:
        return response.status, dict(response.headers), response.read()


def test_the_images_http_command_serves_the_api_through_wsgi():
    port = _free_port()
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "GUNICORN_THREADS": "2",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "config/gunicorn.conf.py"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                status, headers, body = _get(f"http://127.0.0.1:{port}/api/v1/health")
                break
            except OSError:
                assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
                assert time.monotonic() < deadline, "gunicorn did not answer within 30 s"
                time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(timeout=30)

    assert status == 200
    assert b'"status":"ok"' in body
    assert len(headers["X-Request-ID"]) == 32
    assert "uvicorn" not in headers.get("Server", "")


def test_the_dockerfile_serves_http_with_the_gunicorn_settings():
    dockerfile = (ROOT / "Dockerfile").read_text()

    assert 'CMD ["gunicorn", "--config", "config/gunicorn.conf.py"]' in dockerfile


def test_compose_puts_the_proxy_in_front_of_web_and_realtime():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]

    assert "ports" not in services["web"]
    assert "ports" not in services["realtime"]
    assert services["proxy"]["ports"] == ["127.0.0.1:${KINDRED_WEB_PORT:-8000}:8000"]
    assert "command" not in services["web"]  # the image's gunicorn
    assert services["realtime"]["command"][:2] == ["uvicorn", "config.asgi:application"]
    # Long-lived socket threads: no health-check round trip per frame (.env.example).
    assert services["realtime"]["environment"]["DATABASE_CONN_HEALTH_CHECKS"] == "false"
    for name in ("web", "realtime"):
        environment = services[name]["environment"]
        assert environment["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
        assert environment["KINDRED_TRUSTED_PROXY_COUNT"] == "1"
    mounted = services["proxy"]["volumes"][0].split(":")[0]
    assert (ROOT / mounted).resolve() == ROOT / "deploy" / "nginx.conf"


def test_nginx_sends_socket_upgrades_to_realtime_and_the_rest_to_web():
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    locations = dict(re.findall(r"location\s+(\S+)\s*\{(.*?)\n    \}", conf, re.S))

    assert re.search(r"upstream kindred_realtime \{\s*server realtime:8000;", conf)
    assert re.search(r"upstream kindred_web \{\s*server web:8000;", conf)
    assert "proxy_pass http://kindred_realtime;" in locations["/ws/"]
    assert "proxy_set_header Upgrade $http_upgrade;" in locations["/ws/"]
    assert "proxy_pass http://kindred_web;" in locations["/"]
    for body in locations.values():  # a location's headers replace the server's
        assert "proxy_set_header X-Forwarded-For" in body
        assert "proxy_set_header X-Forwarded-Proto" in body
