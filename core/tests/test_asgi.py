import pytest
from channels.testing import HttpCommunicator, WebsocketCommunicator

from config.asgi import application


@pytest.mark.asyncio
async def test_asgi_application_serves_http():
    communicator = HttpCommunicator(
        application, "GET", "/api/v1/health", headers=[(b"host", b"localhost")]
    )

    # The first request of a process loads the URLconf and every app: not a 1 s job on a
    # loaded CI machine.
    response = await communicator.get_response(timeout=10)

    assert response["status"] == 200
    assert b'"status":"ok"' in response["body"]


@pytest.mark.asyncio
async def test_websocket_from_a_foreign_origin_is_refused():
    communicator = WebsocketCommunicator(
        application,
        "/ws/v1/",
        headers=[(b"origin", b"https://evil.example.net"), (b"host", b"localhost")],
    )

    connected, _ = await communicator.connect()

    assert connected is False
