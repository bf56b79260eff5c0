"""A fake OpenAI-compatible API on loopback: `POST /v1/chat/completions` answers from a
script of replies and records every request it gets, so tests drive the real SDK over real
HTTP and then read exactly what was sent.

    server.script(ok({"openers": [...]}), error(500), slow(2.0, ok({...})))

Each request takes the next reply; when the script runs out the server answers 500
`unscripted`, which a test notices as an unexpected call.
"""

import json
import socket
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: Any = None
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


def completion(content: str, *, finish_reason: str = "stop") -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": "fake-model",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": None},
                "finish_reason": finish_reason,
            }
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
    }


def ok(answer: dict[str, Any]) -> Reply:
    """A completion whose message is `answer` as JSON text."""
    return Reply(body=completion(json.dumps(answer)))


def raw(content: str, *, finish_reason: str = "stop") -> Reply:
    """A completion whose message is exactly `content`."""
    return Reply(body=completion(content, finish_reason=finish_reason))


def error(status: int, message: str = "scripted error", **headers: str) -> Reply:
    return Reply(
        status=status,
        body={"error": {"message": message, "type": "fake_error", "code": None}},
        headers=headers,
    )


def slow(seconds: float, reply: Reply) -> Reply:
    return Reply(status=reply.status, body=reply.body, delay=seconds, headers=reply.headers)


@dataclass
class RecordedRequest:
    path: str
    headers: dict[str, str]
    raw_body: str

    @property
    def json(self) -> Any:
        return json.loads(self.raw_body)


class FakeOpenAIServer:
    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self._replies: deque[Reply] = deque()
        self._lock = threading.Lock()
        # Set at shutdown so that slow replies stop waiting.
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def start(self) -> "FakeOpenAIServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def script(self, *replies: Reply) -> None:
        with self._lock:
            self._replies.extend(replies)

    def _next(self) -> Reply:
        with self._lock:
            if self._replies:
                return self._replies.popleft()
        return error(500, "unscripted")

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode()
                with fake._lock:
                    fake.requests.append(
                        RecordedRequest(
                            path=self.path,
                            headers={key.lower(): value for key, value in self.headers.items()},
                            raw_body=body,
                        )
                    )
                if self.path != "/v1/chat/completions":
                    self._send(error(404, f"no route {self.path}"))
                    return
                reply = fake._next()
                if reply.delay and fake._stopping.wait(reply.delay):
                    return
                self._send(reply)

            def _send(self, reply: Reply) -> None:
                data = json.dumps(reply.body).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in reply.headers.items():
                        self.send_header(name.replace("_", "-"), value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout): nothing to answer

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


def refused_base_url() -> str:
    """A loopback URL where nothing listens: connecting is refused at once."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"
