"""With SENTRY_DSN set, an unhandled error is reported to Sentry (a loopback stand-in of
its ingest endpoint here), and the client still gets the JSON 500."""

import gzip
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

from core.testing import run_script

SCRIPT = """
import django, sentry_sdk
django.setup()
from django.test import Client, override_settings
with override_settings(ROOT_URLCONF="core.tests.urls"):
    response = Client(raise_request_exception=False, HTTP_HOST="localhost").get(
        "/api/v1/test/crash"
    )
print(response.status_code, response.json()["code"])
sentry_sdk.flush(timeout=5)
"""


class Ingest(BaseHTTPRequestHandler):
    received: list[bytes] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        Ingest.received.append(body)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:
        pass


def test_unhandled_error_is_reported_to_sentry():
    server = HTTPServer(("127.0.0.1", 0), Ingest)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Ingest.received = []
    try:
        result = run_script(
            SCRIPT, SENTRY_DSN=f"http://publickey@127.0.0.1:{server.server_port}/42"
        )
    finally:
        server.shutdown()

    assert result.stdout.split()[:2] == ["500", "internal_error"], result.stderr
    reports = b"".join(Ingest.received).decode(errors="replace")
    assert "secret internal detail" in reports
    assert "RuntimeError" in reports
