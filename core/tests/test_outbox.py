"""The outbox (core.outbox): items pushed after commit, drained in batches by one task."""

import threading

import pytest
from celery import shared_task

from core.outbox import Outbox, outboxes_drain_all
from core.redis import get_redis
from core.tasks import sweep_outboxes_task

handled_items: list[str] = []


@shared_task(name="core.tests.drain_probe")
def drain_probe_task() -> int:
    return PROBE.drain(handled_items.append, batch_size=3)


PROBE = Outbox("tests.probe", drain_task=drain_probe_task)


@pytest.fixture(autouse=True)
def _nothing_handled() -> None:
    handled_items.clear()


def push(outbox: Outbox, item: str) -> None:
    with get_redis().pipeline(transaction=True) as pipeline:
        pipeline.set("unrelated-write", "1")  # the caller's other after-commit writes
        at = outbox.push(pipeline, item)
        results = pipeline.execute()
    outbox.trigger(results[at])


def test_the_drain_takes_every_item_in_order_batch_after_batch():
    for number in range(7):
        get_redis().rpush(PROBE.key, f"item-{number}")

    assert PROBE.drain(handled_items.append, batch_size=3) == 7

    assert handled_items == [f"item-{number}" for number in range(7)]
    assert PROBE.pending() == 0


def test_a_drain_hands_a_backlog_on_to_its_next_run(eager_celery):
    for number in range(7):
        get_redis().rpush(PROBE.key, f"item-{number}")

    # 3 items in this run, which then queues the next (eager here: it runs at once)
    assert PROBE.drain(handled_items.append, batch_size=2, run_limit=3) == 3

    assert handled_items == [f"item-{number}" for number in range(7)]
    assert PROBE.pending() == 0


def test_an_item_whose_handling_fails_goes_back_with_the_rest_of_its_batch():
    for number in range(5):
        get_redis().rpush(PROBE.key, f"item-{number}")

    def handle(item: str) -> None:
        if item == "item-1":
            raise RuntimeError("provider down")
        handled_items.append(item)

    with pytest.raises(RuntimeError):
        PROBE.drain(handle, batch_size=3)

    assert handled_items == ["item-0"]
    assert get_redis().lrange(PROBE.key, 0, -1) == [f"item-{number}" for number in (1, 2, 3, 4)]


def test_the_push_that_finds_the_outbox_empty_queues_the_drain(eager_celery):
    push(PROBE, "first")  # eager: the drain runs here

    assert handled_items == ["first"]
    assert PROBE.pending() == 0


def test_a_push_behind_waiting_items_leaves_them_to_the_drain_already_queued(eager_celery):
    get_redis().rpush(PROBE.key, "waiting")  # its drain is queued, not yet run

    push(PROBE, "second")

    assert handled_items == []
    assert get_redis().lrange(PROBE.key, 0, -1) == ["waiting", "second"]


def test_the_sweep_drains_what_a_lost_trigger_left(eager_celery):
    get_redis().rpush(PROBE.key, "stranded-1", "stranded-2")

    assert sweep_outboxes_task() == {"tests.probe": 2}

    assert handled_items == ["stranded-1", "stranded-2"]
    assert outboxes_drain_all() == {}


def test_pushes_racing_drains_strand_nothing(eager_celery):
    """8 threads push 50 items each; every push that finds the list empty drains it on its
    thread (eager), so drains run concurrently with pushes and with each other."""
    lock = threading.Lock()
    handled: list[str] = []

    def handle(item: str) -> None:
        with lock:
            handled.append(item)

    @shared_task(name="core.tests.drain_racing")
    def drain_racing_task() -> int:
        return racing.drain(handle, batch_size=4)

    racing = Outbox("tests.racing", drain_task=drain_racing_task)

    def pusher(number: int) -> None:
        for item in range(50):
            push(racing, f"{number}-{item}")

    threads = [threading.Thread(target=pusher, args=(number,)) for number in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert racing.pending() == 0
    assert sorted(handled) == sorted(f"{n}-{i}" for n in range(8) for i in range(50))
