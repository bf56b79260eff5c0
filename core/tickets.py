"""One-time tickets that authenticate a WebSocket (tokens never go in URLs, DESIGN.md §7).

`POST /api/v1/realtime/ticket` issues a random ticket bound to the caller, kept in Redis
for `KINDRED_REALTIME_TICKET_TTL_SECONDS`; the socket redeems it with GETDEL, so a ticket
works once, on one server, even when two connections race with it. Redis holds only a
hash of the ticket: reading Redis gives nobody a usable ticket.
"""

import hashlib
import secrets
from dataclasses import dataclass
from uuid import UUID

from django.conf import settings

from core.redis import get_redis, redis_key


@dataclass(frozen=True)
class Ticket:
    ticket: str
    expires_in: int


def _key(ticket: str) -> str:
    return redis_key("ws_ticket", hashlib.sha256(ticket.encode()).hexdigest())


def ticket_issue(*, user_id: UUID) -> Ticket:
    ttl = int(settings.KINDRED_REALTIME_TICKET_TTL_SECONDS)
    ticket = secrets.token_urlsafe(32)
    get_redis().set(_key(ticket), str(user_id), ex=ttl)
    return Ticket(ticket=ticket, expires_in=ttl)


def ticket_redeem(ticket: str) -> UUID | None:
    """The user the ticket was issued to, once; None for unknown, expired or used tickets."""
    if not ticket or len(ticket) > 128:
        return None
    value = get_redis().getdel(_key(ticket))
    if not value:
        return None
    try:
        return UUID(str(value))
    except ValueError:
        return None
