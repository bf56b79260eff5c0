import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from core.realtime import user_group_name
from notifications.tests.fake_fcm import FakeFcm


@pytest.fixture
def fake_fcm(settings) -> Iterator[type[FakeFcm]]:  # type: ignore[no-untyped-def]
    settings.KINDRED_PUSH_PROVIDER = "notifications.tests.fake_fcm.FakeFcmProvider"
    FakeFcm.reset()
    yield FakeFcm
    FakeFcm.reset()


class SocketListener:
    """A channel in the user's group on the real channel layer: what their socket gets."""

    def __init__(self, user_id: Any) -> None:
        self.layer = get_channel_layer()
        self.channel = async_to_sync(self.layer.new_channel)()
        async_to_sync(self.layer.group_add)(user_group_name(user_id), self.channel)

    def events(self, expected: int = 0) -> list[dict[str, Any]]:
        """What arrived: waits up to 5 s for each of the `expected` events (a loaded machine
        may be slow), then 0.3 s for any further one that should not be there."""
        received = []
        while True:
            timeout = 5.0 if len(received) < expected else 0.3
            message = async_to_sync(self._receive)(timeout)
            if message is None:
                return received
            received.append(message["event"])

    async def _receive(self, timeout: float) -> dict[str, Any] | None:
        try:
            return await asyncio.wait_for(self.layer.receive(self.channel), timeout=timeout)
        except TimeoutError:
            return None


@pytest.fixture
def socket_of():  # type: ignore[no-untyped-def]
    return SocketListener
