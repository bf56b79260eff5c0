"""core.presence and core.tickets on the real Redis."""

import time
import uuid

import pytest

from core.presence import (
    is_online,
    last_seen_at,
    online_user_ids,
    presence_connect,
    presence_disconnect,
    presence_heartbeat,
)
from core.testing import run_in_threads
from core.tickets import ticket_issue, ticket_redeem


def test_a_user_is_online_while_any_connection_is():
    user_id = uuid.uuid4()

    assert presence_connect(user_id, "phone") is True
    assert presence_connect(user_id, "tablet") is False
    assert presence_disconnect(user_id, "phone") is False
    assert is_online(user_id)
    assert presence_disconnect(user_id, "tablet") is True
    assert not is_online(user_id)


def test_online_user_ids_picks_the_online_ones_in_one_round_trip():
    online, offline = uuid.uuid4(), uuid.uuid4()
    presence_connect(online, "c1")

    assert online_user_ids([online, offline]) == {online}
    assert online_user_ids([]) == set()


def test_last_seen_is_recorded_when_the_last_connection_goes():
    user_id = uuid.uuid4()
    presence_connect(user_id, "c1")
    assert last_seen_at([user_id]) == {user_id: None}

    presence_disconnect(user_id, "c1")

    seen = last_seen_at([user_id])[user_id]
    assert seen is not None
    assert abs(seen.timestamp() - time.time()) < 5


def test_connections_without_heartbeats_expire(settings):
    settings.KINDRED_PRESENCE_TTL_SECONDS = 1
    stale, kept = uuid.uuid4(), uuid.uuid4()
    presence_connect(stale, "crashed-server")
    presence_connect(kept, "alive")

    time.sleep(0.6)
    presence_heartbeat(kept, "alive")
    time.sleep(0.6)

    assert online_user_ids([stale, kept]) == {kept}
    assert presence_connect(stale, "new-socket") is True  # counted as a fresh arrival


def test_a_ticket_is_redeemed_once_even_by_racing_connections(transactional_db):
    user_id = uuid.uuid4()
    ticket = ticket_issue(user_id=user_id).ticket

    results = run_in_threads(lambda: ticket_redeem(ticket), 6)

    assert sorted(map(str, results)) == sorted([str(user_id)] + ["None"] * 5)


@pytest.mark.parametrize("ticket", ["", "x" * 500, "unknown-ticket"])
def test_bad_tickets_redeem_to_nobody(ticket):
    assert ticket_redeem(ticket) is None


def test_tickets_expire(settings):
    settings.KINDRED_REALTIME_TICKET_TTL_SECONDS = 1
    ticket = ticket_issue(user_id=uuid.uuid4()).ticket

    time.sleep(1.2)

    assert ticket_redeem(ticket) is None
