"""A ban closes the banned person's open socket through the real consumer (Channels'
WebsocketCommunicator, channels-redis on the test Redis), and their next API call is
refused. ORM work runs on threads, hence the transactional database."""

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from rest_framework.test import APIClient

from accounts.tokens import token_pair_for_user
from core.realtime import CLOSE_FORBIDDEN
from core.tickets import ticket_issue
from moderation.models import SanctionKind
from moderation.sanction_services import sanction_apply
from moderation.tests.conftest import make_moderator
from profiles.tests.factories import make_complete

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


def _setup() -> tuple:
    channel_layers.backends.clear()  # a layer bound to this test's event loop
    moderator = make_moderator("socket.moderator@example.com")
    person = make_complete()
    access = token_pair_for_user(person.user).access
    return moderator, person.user, access, ticket_issue(user_id=person.pk).ticket


def _refused(access: str) -> tuple[int, str]:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    response = client.get("/api/v1/profile")
    return response.status_code, response.json().get("code", "")


async def test_a_ban_closes_the_open_socket_and_refuses_the_next_api_call():
    from config.asgi import application

    moderator, person, access, ticket = await database_sync_to_async(_setup)()
    communicator = WebsocketCommunicator(application, f"/ws/v1/?ticket={ticket}")
    connected, _ = await communicator.connect(timeout=5)
    assert connected

    await database_sync_to_async(sanction_apply)(
        moderator=moderator,
        user_id=person.pk,
        kind=SanctionKind.BAN,
        policy_reason="Threats are not allowed.",
    )

    while True:  # skip any frames sent before the close (presence, notifications)
        output = await communicator.receive_output(timeout=5)
        if output["type"] == "websocket.close":
            break
    assert output["code"] == CLOSE_FORBIDDEN
    assert await sync_to_async(_refused)(access) == (401, "token_revoked")
    await communicator.disconnect()
