"""The real ASGI server (uvicorn, as in production) on a loopback port, driven by two people
with the `websockets` client and plain HTTP: nothing in between is simulated."""

import asyncio
import json
import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
import websockets
from channels.db import database_sync_to_async

from accounts.tokens import token_pair_for_user
from chat.models import Message

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


class LiveServer:
    def __init__(self) -> None:
        from config.asgi import application

        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        config = uvicorn.Config(application, lifespan="off", log_level="warning", ws="auto")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.listener]}, daemon=True
        )

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        for _ in range(200):
            if self.server.started:
                return self
            threading.Event().wait(0.05)
        raise RuntimeError("uvicorn did not start")

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.listener.close()

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}"


@pytest.fixture
def asgi_server(transactional_db: Any) -> Iterator[LiveServer]:
    with LiveServer() as server:
        yield server


class Person:
    """One user of the app: a bearer token for REST and one socket at a time."""

    def __init__(self, server: LiveServer, user: Any, token: str) -> None:
        self.server = server
        self.user = user
        self.token = token
        self.socket: Any = None
        self.frames: list[dict[str, Any]] = []

    def _request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        request = urllib.request.Request(
            path if path.startswith("http") else self.server.http + path,
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={
                "Authorization": f"Bearer {self.token}",
                "Content-Type": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    async def rest(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        return await asyncio.to_thread(self._request, method, path, body)

    async def connect(self) -> None:
        status, ticket = await self.rest("POST", "/api/v1/realtime/ticket")
        assert status == 201, ticket
        self.socket = await websockets.connect(f"{self.server.ws}/ws/v1/?ticket={ticket['ticket']}")
        ready = await self.next("ready")
        assert ready["user_id"] == str(self.user.pk)

    async def next(self, frame_type: str, timeout: float = 5) -> dict[str, Any]:
        while True:
            frame = json.loads(await asyncio.wait_for(self.socket.recv(), timeout))
            self.frames.append(frame)
            if frame["type"] == frame_type:
                return frame
            assert frame["type"] != "error", frame

    async def message(self, seq: int) -> dict[str, Any]:
        """Wait for chat.message_created of this seq (earlier ones are kept in frames)."""
        while True:
            message: dict[str, Any] = (await self.next("chat.message_created"))["message"]
            if message["seq"] == seq:
                return message

    async def send(self, frame: dict[str, Any]) -> None:
        await self.socket.send(json.dumps(frame))

    async def catch_up(self, conversation_id: Any, after_seq: int) -> list[dict[str, Any]]:
        path = (
            f"/api/v1/chat/conversations/{conversation_id}/messages?after_seq={after_seq}&limit=3"
        )
        messages: list[dict[str, Any]] = []
        while path:
            status, page = await self.rest("GET", path)
            assert status == 200, page
            messages += page["results"]
            path = page["next"]
        return messages


def created_messages(person: Person) -> list[dict[str, Any]]:
    return [frame["message"] for frame in person.frames if frame["type"] == "chat.message_created"]


@pytest.fixture
def people(asgi_server, live_pair) -> tuple[Person, Person]:
    return (
        Person(asgi_server, live_pair.first, token_pair_for_user(live_pair.first).access),
        Person(asgi_server, live_pair.second, token_pair_for_user(live_pair.second).access),
    )


async def test_two_people_chat_drop_reconnect_catch_up_and_unmatch(asgi_server, live_pair, people):
    alex, bo = people
    conversation = str(live_pair.conversation_id)
    await alex.connect()
    await bo.connect()
    sent: list[str] = []

    # Both talk over the socket; each message is acked with its seq and reaches the other.
    for index in range(4):
        speaker, listener = (alex, bo) if index % 2 == 0 else (bo, alex)
        body = f"socket message {index}"
        await speaker.send(
            {
                "type": "chat.send",
                "conversation_id": conversation,
                "body": body,
                "client_message_id": f"s{index}",
            }
        )
        ack = await speaker.next("chat.ack")
        assert (ack["message"]["seq"], ack["message"]["body"]) == (index + 1, body)
        assert (await listener.message(index + 1))["body"] == body
        sent.append(body)

    # A REST send behaves the same: the other person's socket gets it.
    status, message = await alex.rest(
        "POST",
        f"/api/v1/chat/conversations/{conversation}/messages",
        {"body": "over REST", "client_message_id": "r1"},
    )
    assert (status, message["seq"]) == (201, 5)
    assert (await bo.message(5))["body"] == "over REST"
    sent.append("over REST")

    # Bo's connection drops mid-conversation (no close handshake); Alex keeps writing.
    bo_last_seq = max(message["seq"] for message in created_messages(bo))
    bo.socket.transport.abort()
    for index in range(5):
        body = f"while Bo was away {index}"
        await alex.send(
            {
                "type": "chat.send",
                "conversation_id": conversation,
                "body": body,
                "client_message_id": f"away{index}",
            }
        )
        assert (await alex.next("chat.ack"))["message"]["body"] == body
        sent.append(body)
    # A retry of a send whose ack was lost changes nothing.
    await alex.send(
        {
            "type": "chat.send",
            "conversation_id": conversation,
            "body": "while Bo was away 4",
            "client_message_id": "away4",
        }
    )
    assert (await alex.next("chat.ack"))["created"] is False

    # Bo reconnects, then catches up from the last seq he holds.
    await bo.connect()
    missed = await bo.catch_up(conversation, bo_last_seq)
    timeline = {message["seq"]: message for message in created_messages(bo)}
    for message in missed:
        assert message["seq"] not in timeline, "a message arrived twice"
        timeline[message["seq"]] = message
    assert sorted(timeline) == list(range(1, len(sent) + 1))
    assert [timeline[seq]["body"] for seq in sorted(timeline)] == sent
    # What the socket delivered before the drop came in order, once each.
    live = [message["seq"] for message in created_messages(bo)]
    assert live == sorted(set(live))
    assert await database_sync_to_async(Message.objects.count)() == len(sent)

    # Bo unmatches: both sockets hear the conversation closed; sending is refused at once.
    status, _ = await bo.rest("POST", f"/api/v1/matching/matches/{conversation}/unmatch")
    assert status in (200, 204)
    assert (await alex.next("chat.conversation_closed"))["conversation_id"] == conversation
    await bo.next("chat.conversation_closed")
    await alex.send(
        {
            "type": "chat.send",
            "conversation_id": conversation,
            "body": "still there?",
            "client_message_id": "late",
        }
    )
    error = json.loads(await asyncio.wait_for(alex.socket.recv(), 5))
    while error["type"] != "error":
        error = json.loads(await asyncio.wait_for(alex.socket.recv(), 5))
    assert error["code"] == "conversation_not_found"
    status, _ = await alex.rest(
        "POST",
        f"/api/v1/chat/conversations/{conversation}/messages",
        {"body": "hello?", "client_message_id": "late2"},
    )
    assert status == 404
    assert await database_sync_to_async(Message.objects.count)() == len(sent)

    await alex.socket.close()
    await bo.socket.close()


async def test_the_real_server_refuses_bad_tickets_and_foreign_origins(asgi_server, live_pair):
    async with websockets.connect(f"{asgi_server.ws}/ws/v1/?ticket=forged") as refused:
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(refused.recv(), 5)
    assert closed.value.rcvd.code == 4401

    with pytest.raises(websockets.InvalidStatus) as rejected:
        await websockets.connect(
            f"{asgi_server.ws}/ws/v1/?ticket=whatever", origin="https://evil.example.net"
        )
    assert rejected.value.response.status_code == 403
