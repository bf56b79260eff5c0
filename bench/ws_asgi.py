"""The production ASGI application plus a bare WebSocket echo at /bench/echo, so that the
socket benchmark (bench/ws.py) measures the echo on the very server process that serves
the chat. Only for benchmarks: never deployed."""

from typing import Any

from config.asgi import application as kindred


async def echo(scope: dict[str, Any], receive: Any, send: Any) -> None:
    while True:
        event = await receive()
        if event["type"] == "websocket.connect":
            await send({"type": "websocket.accept"})
        elif event["type"] == "websocket.receive":
            await send({"type": "websocket.send", "text": event.get("text")})
        elif event["type"] == "websocket.disconnect":
            return


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "websocket" and scope["path"] == "/bench/echo":
        await echo(scope, receive, send)
        return
    await kindred(scope, receive, send)
