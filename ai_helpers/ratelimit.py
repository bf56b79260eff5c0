"""Sliding-window limits in Redis: one sorted set per (scope, person) holding the admitted
requests, scored by the time they were admitted.

A Lua script drops entries older than the window, counts what is left and admits the new
entry only if there is room — all in one step on the Redis server, so any number of
concurrent requests from any number of servers can never admit more than the limit. The
clock is Redis's own (`TIME`), so app servers with drifting clocks agree. Unlike
`core.ratelimit`'s fixed windows, a burst at the end of one window cannot be followed by
another at the start of the next: each slot comes back exactly one window after it was
taken.
"""

import math
from dataclasses import dataclass

from core.ratelimit import Rate
from core.redis import get_redis, redis_key

# KEYS[1]: the window; ARGV: limit, window in ms, member. Returns {admitted, remaining,
# retry_after_ms}.
_HIT_SCRIPT = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local used = redis.call('ZCARD', KEYS[1])
if used < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  return {1, limit - used - 1, 0}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, 0, tonumber(oldest[2]) + window - now}
"""


@dataclass(frozen=True)
class WindowDecision:
    is_allowed: bool
    remaining: int
    retry_after: int


def window_key(scope: str, identity: str) -> str:
    return redis_key("ai", "rl", scope, identity)


def window_hit(*, scope: str, identity: str, member: str, rate: Rate) -> WindowDecision:
    """Admit `member` (a unique id, e.g. the job's) into the window if there is room.

    `retry_after` (whole seconds, at least 1) is when the oldest admitted entry leaves the
    window, i.e. the earliest moment a new request can succeed.
    """
    script = get_redis().register_script(_HIT_SCRIPT)  # EVALSHA, loading it on first use
    admitted, remaining, retry_after_ms = script(
        keys=[window_key(scope, identity)], args=[rate.count, rate.seconds * 1000, member]
    )
    return WindowDecision(
        is_allowed=bool(admitted),
        remaining=int(remaining),
        retry_after=max(1, math.ceil(int(retry_after_ms) / 1000)) if not admitted else 0,
    )


def window_release(*, scope: str, identity: str, member: str) -> None:
    """Give `member`'s slot back (a request that was admitted but never served)."""
    get_redis().zrem(window_key(scope, identity), member)
