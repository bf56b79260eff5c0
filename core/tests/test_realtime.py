"""core.realtime: how sync code reaches the channel layer."""

import asyncio
import random
import threading

import pytest
from asgiref.sync import sync_to_async
from channels import DEFAULT_CHANNEL_LAYER
from channels.layers import channel_layers, get_channel_layer

from core.realtime import publish_in_pipeline, send_to_users, user_group_name
from core.redis import get_redis


def test_an_event_reaches_the_layer_even_from_an_event_loop_s_own_thread(socket_of):
    # Published with a plain Redis client: no event loop is needed (async_to_sync, which the
    # layer's own API needs from sync code, refuses to run on a loop's thread).
    sockets = socket_of("u-2")

    async def from_the_loop() -> None:
        send_to_users(["u-2"], {"type": "test.event", "n": 2})

    asyncio.run(from_the_loop())

    assert sockets.events(1) == [{"type": "test.event", "n": 2}]


@pytest.mark.asyncio
async def test_with_the_in_memory_layer_sync_code_sends_on_the_servers_loop(settings):
    # Embedded mode (no Redis): the layer's queues belong to the server's loop, which sync
    # code run by that loop on a thread reaches through async_to_sync.
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(user_group_name("u-3"), channel)

    await sync_to_async(send_to_users)(["u-3"], {"type": "test.event", "n": 3})

    message = await asyncio.wait_for(layer.receive(channel), 2)
    assert message == {"type": "realtime.event", "event": {"type": "test.event", "n": 3}}


def test_an_event_sent_from_sync_code_reaches_every_socket_of_the_user(socket_of):
    phone, laptop = socket_of("u-1"), socket_of("u-1")

    send_to_users(["u-1"], {"type": "test.event", "n": 1})

    event = {"type": "realtime.event", "event": {"type": "test.event", "n": 1}}
    assert phone.messages(1) == laptop.messages(1) == [event]


def test_an_event_published_in_a_pipeline_reaches_the_user_s_sockets_with_its_other_writes(
    socket_of,
):
    phone = socket_of("u-4")

    with get_redis().pipeline(transaction=True) as pipeline:
        pipeline.set("other-write", "1")
        assert publish_in_pipeline(pipeline, ["u-4"], {"type": "test.event", "n": 4})
        pipeline.execute()

    assert phone.events(1) == [{"type": "test.event", "n": 4}]


def test_a_pipeline_cannot_reach_a_layer_on_another_redis_or_in_memory(settings):
    with get_redis().pipeline() as pipeline:
        settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
        assert not publish_in_pipeline(pipeline, ["u-5"], {"type": "test.event"})
        settings.CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
                "CONFIG": {"hosts": ["redis://127.0.0.1:6380/0"]},
            }
        }
        assert not publish_in_pipeline(pipeline, ["u-5"], {"type": "test.event"})
        assert pipeline.command_stack == []


_abandoned_loops: list[asyncio.AbstractEventLoop] = []


def _cancel_receives(cycles: int) -> int:
    """Start and cancel `cycles` receives on a fresh layer made from the settings, each
    after a few milliseconds (while its commands are in flight); the number that ended."""
    layer = channel_layers.make_backend(DEFAULT_CHANNEL_LAYER)
    rng = random.Random(7)

    async def cycle() -> bool:
        channel = await layer.new_channel()
        receive = asyncio.ensure_future(layer.receive(channel))
        await asyncio.sleep(rng.uniform(0, 0.003))
        receive.cancel()
        done, _ = await asyncio.wait([receive], timeout=2)
        return bool(done)

    async def run() -> int:
        for ended in range(cycles):
            if not await cycle():
                return ended  # this loop is left behind: its task would never finish
        await layer.flush()
        return cycles

    loop = asyncio.new_event_loop()
    result: list[int] = []
    worker = threading.Thread(target=lambda: result.append(loop.run_until_complete(run())))
    worker.daemon = True
    worker.start()
    worker.join(timeout=60)
    if result == [cycles]:
        loop.close()
    else:  # kept: collecting its stuck task later would run finalizers mid-report
        _abandoned_loops.append(loop)
    return result[0] if result else 0


def test_a_cancelled_channel_layer_receive_always_ends():
    # Every socket's receive on the layer is cancelled when it disconnects. With a socket
    # timeout on the layer's connections, redis-py wraps each write in asyncio.wait_for,
    # which on Python 3.11 swallows a cancellation arriving as the write completes: about
    # one receive in three never ended here, and its consumer task lived forever.
    ended = _cancel_receives(150)

    if ended != 150:
        pytest.fail(f"receive {ended + 1} of 150 did not end within 2 s of its cancellation")
