"""Decks in Redis: a list of ranked entries per person, a small meta hash (radius used,
why it is empty, when built) and the set of ids already served.

Atomicity (DESIGN.md §4, "two fast calls never return the same profile twice"):
- serving pops with LPOP count, so concurrent requests get disjoint pages, and records the
  popped ids in the served set in the same Lua script;
- writing a rebuilt deck skips served ids inside one Lua script, so a rebuild racing a
  page can never put back a profile that page just served.
The in-process stand-in used without REDIS_URL (fakeredis without Lua) takes the same steps
in pipelines instead; fine for one developer, not atomic under concurrency.
"""

import functools
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple
from uuid import UUID

import redis

from core.redis import get_redis, redis_key

# ARGV[5] is one JSON array [id, entry, id, entry, …] (entries already JSON): one argument
# instead of two per entry costs the client far less to send.
_WRITE_SCRIPT = """
redis.call('DEL', KEYS[1])
local kept = 0
local pairs = cjson.decode(ARGV[5])
for index = 1, #pairs, 2 do
  if redis.call('SISMEMBER', KEYS[3], pairs[index]) == 0 then
    redis.call('RPUSH', KEYS[1], pairs[index + 1])
    kept = kept + 1
  end
end
if kept > 0 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[2], 'radius_km', ARGV[2], 'reason', ARGV[3], 'built_at', ARGV[4])
redis.call('EXPIRE', KEYS[2], ARGV[1])
return kept
"""

_POP_SCRIPT = """
local popped = redis.call('LPOP', KEYS[1], ARGV[1])
if popped then
  for _, entry in ipairs(popped) do
    redis.call('SADD', KEYS[2], cjson.decode(entry)['id'])
  end
  redis.call('EXPIRE', KEYS[2], ARGV[2])
else
  popped = {}
end
return {popped, redis.call('LLEN', KEYS[1]), redis.call('HGETALL', KEYS[3])}
"""


class DeckEntry(NamedTuple):  # a few hundred per deck: cheaper to make than a dataclass
    user_id: UUID
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class DeckMeta:
    radius_km: int | None
    reason: str | None
    built_at: str


@dataclass(frozen=True)
class PoppedPage:
    entries: list[DeckEntry]
    remaining: int
    meta: DeckMeta | None  # None: there is no deck (never built, expired or invalidated)


def deck_key(user_id: UUID) -> str:
    return redis_key("deck", user_id)


def deck_meta_key(user_id: UUID) -> str:
    return redis_key("deck", user_id, "meta")


def deck_served_key(user_id: UUID) -> str:
    return redis_key("deck", user_id, "served")


def _rebuild_key(user_id: UUID) -> str:
    return redis_key("deck", user_id, "rebuild")


def _has_lua(client: redis.Redis) -> bool:
    return not type(client).__module__.startswith("fakeredis")


def _encode(entry: DeckEntry, user_id: str | None = None) -> str:
    """`json.dumps({"id": …, "reasons": […]})`, composed: a deck has a few hundred entries
    but only a handful of distinct reason lists, each encoded once. `user_id`: the entry's
    id as text, when the caller has it."""
    user_id = user_id or str(entry.user_id)
    return f'{{"id": "{user_id}", "reasons": {_reasons_json(entry.reasons)}}}'


@functools.lru_cache(maxsize=1024)
def _reasons_json(reasons: tuple[str, ...]) -> str:
    return json.dumps(list(reasons))


def _decode(raw: str) -> DeckEntry:
    data = json.loads(raw)
    return DeckEntry(user_id=UUID(data["id"]), reasons=tuple(data["reasons"]))


def _meta(raw: dict[str, str]) -> DeckMeta | None:
    if not raw:
        return None
    return DeckMeta(
        radius_km=int(raw["radius_km"]) if raw.get("radius_km") else None,
        reason=raw.get("reason") or None,
        built_at=raw.get("built_at", ""),
    )


def deck_write(
    *,
    user_id: UUID,
    entries: Sequence[DeckEntry],
    radius_km: int | None,
    reason: str | None,
    built_at: str,
    ttl_seconds: int,
) -> int:
    """Replace the deck in one step, leaving out ids already served; returns how many
    entries were kept. An empty deck still gets its meta (radius, reason)."""
    client = get_redis()
    keys = [deck_key(user_id), deck_meta_key(user_id), deck_served_key(user_id)]
    head = [ttl_seconds, radius_km if radius_km is not None else "", reason or "", built_at]
    if _has_lua(client):
        pairs: list[str] = []
        for entry in entries:
            entry_id = str(entry.user_id)
            pairs.extend((entry_id, _encode(entry, entry_id)))
        return int(client.eval(_WRITE_SCRIPT, len(keys), *keys, *head, json.dumps(pairs)))
    served = {str(value) for value in client.smembers(keys[2])}
    kept = [_encode(entry) for entry in entries if str(entry.user_id) not in served]
    pipeline = client.pipeline(transaction=True)
    pipeline.delete(keys[0], keys[1])
    if kept:
        pipeline.rpush(keys[0], *kept)
        pipeline.expire(keys[0], ttl_seconds)
    pipeline.hset(keys[1], mapping={"radius_km": head[1], "reason": head[2], "built_at": built_at})
    pipeline.expire(keys[1], ttl_seconds)
    pipeline.execute()
    return len(kept)


def deck_pop(*, user_id: UUID, count: int, served_ttl_seconds: int) -> PoppedPage:
    """Take the next `count` entries off the deck, atomically, and mark them served."""
    client = get_redis()
    keys = [deck_key(user_id), deck_served_key(user_id), deck_meta_key(user_id)]
    popped: list[str]
    if _has_lua(client):
        result: Any = client.eval(_POP_SCRIPT, len(keys), *keys, count, served_ttl_seconds)
        popped, remaining, flat_meta = result[0], int(result[1]), result[2]
        raw_meta = dict(zip(flat_meta[::2], flat_meta[1::2], strict=True))
    else:
        pipeline = client.pipeline(transaction=True)
        pipeline.lpop(keys[0], count)
        pipeline.llen(keys[0])
        pipeline.hgetall(keys[2])
        popped_or_none, remaining, raw_meta = pipeline.execute()
        popped = popped_or_none or []
        if popped:
            client.sadd(keys[1], *(json.loads(raw)["id"] for raw in popped))
            client.expire(keys[1], served_ttl_seconds)
    return PoppedPage(
        entries=[_decode(raw) for raw in popped], remaining=remaining, meta=_meta(raw_meta)
    )


def deck_served_ids(*, user_id: UUID) -> set[UUID]:
    # The client decodes responses (decode_responses=True), so members are str.
    return {UUID(str(value)) for value in get_redis().smembers(deck_served_key(user_id))}


def deck_delete(*, user_id: UUID) -> None:
    """Drop the deck and its meta; the served set stays, so a rebuild does not repeat."""
    get_redis().delete(deck_key(user_id), deck_meta_key(user_id))


def deck_remaining(*, user_ids: Iterable[UUID]) -> dict[UUID, int | None]:
    """Entries left per person (None when there is no deck), in one round trip."""
    ids = list(user_ids)
    pipeline = get_redis().pipeline(transaction=False)
    for user_id in ids:
        pipeline.exists(deck_meta_key(user_id))
        pipeline.llen(deck_key(user_id))
    results = pipeline.execute()
    return {
        user_id: (int(results[2 * index + 1]) if results[2 * index] else None)
        for index, user_id in enumerate(ids)
    }


def deck_claim_rebuild(*, user_id: UUID, seconds: int) -> bool:
    """True for the first caller in `seconds`: one scheduled rebuild, not one per page."""
    return bool(get_redis().set(_rebuild_key(user_id), "1", nx=True, ex=seconds))


def deck_release_rebuild(*, user_id: UUID) -> None:
    get_redis().delete(_rebuild_key(user_id))
