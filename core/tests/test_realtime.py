"""core.realtime: how sync code reaches the channel layer."""

import asyncio
import json
import random
import threading
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels import DEFAULT_CHANNEL_LAYER
from channels.layers import channel_layers, get_channel_layer

from core.realtime import run_on_layer, send_to_users, user_group_name
from core.testing import run_script

ROOT = Path(__file__).resolve().parents[2]

# Run in a process of its own: the layer loop's thread lives as long as its process.
_LAYER_LOOP_PROBE = """
import asyncio, json, threading
import django
django.setup()
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from core.realtime import run_on_layer, send_to_users, user_group_name

def call():
    seen = []
    async def record(layer):
        seen.append((asyncio.get_running_loop(), layer))
    run_on_layer(record)
    return seen[0]

(loop, layer), (loop_again, layer_again) = call(), call()
other = []
worker = threading.Thread(target=lambda: other.append(call()))
worker.start(); worker.join()
shared = get_channel_layer()
channel = async_to_sync(shared.new_channel)()
async_to_sync(shared.group_add)(user_group_name("u-probe"), channel)
send_to_users(["u-probe"], {"type": "probe", "n": 2})
print(json.dumps({
    "same_loop": loop is loop_again is other[0][0],
    "loop_running": loop.is_running(),
    "same_layer": layer is layer_again is other[0][1],
    "own_layer": layer is not shared and type(layer) is type(shared),
    "received": async_to_sync(shared.receive)(channel),
}))
"""


def test_with_the_layer_loop_sync_callers_share_one_loop_and_layer_of_its_own():
    # async_to_sync from a loop-less thread starts (and closes) a loop per call, and
    # channels-redis opens a new connection for each: gunicorn workers use one loop instead.
    completed = run_script(_LAYER_LOOP_PROBE, KINDRED_REALTIME_LAYER_LOOP="true")
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout.strip().splitlines()[-1])

    assert result == {
        "same_loop": True,
        "loop_running": True,
        "same_layer": True,
        "own_layer": True,
        "received": {"type": "realtime.event", "event": {"type": "probe", "n": 2}},
    }


def test_gunicorn_workers_turn_the_layer_loop_on():
    config = (ROOT / "config" / "gunicorn.conf.py").read_text()

    assert 'os.environ.setdefault("KINDRED_REALTIME_LAYER_LOOP", "true")' in config


@pytest.mark.asyncio
async def test_sync_code_run_by_an_event_loop_sends_on_that_loop():
    outer = asyncio.get_running_loop()
    seen = []

    async def record(layer) -> None:
        seen.append(asyncio.get_running_loop())

    await sync_to_async(run_on_layer)(record)

    assert seen == [outer]


def test_an_event_sent_from_sync_code_reaches_every_socket_of_the_user():
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(user_group_name("u-1"), channel)

    send_to_users(["u-1"], {"type": "test.event", "n": 1})

    message = async_to_sync(layer.receive)(channel)
    assert message == {"type": "realtime.event", "event": {"type": "test.event", "n": 1}}


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
