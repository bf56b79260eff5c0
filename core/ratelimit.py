"""Fixed-window counters in Redis: atomic under concurrency, shared by every server.

A limit is written "<count>/<seconds>" in settings, e.g. "10/900" for ten per 15 minutes.
"""

from dataclasses import dataclass

from core.redis import get_redis, redis_key


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> "Rate":
        count, _, seconds = text.partition("/")
        rate = cls(count=int(count), seconds=int(seconds))
        if rate.count < 1 or rate.seconds < 1:
            raise ValueError(f"invalid rate {text!r}: both parts must be positive")
        return rate


@dataclass(frozen=True)
class Decision:
    is_allowed: bool
    remaining: int
    retry_after: int


def hit(scope: str, identity: str, rate: Rate) -> Decision:
    """Count one attempt for `identity` in `scope` and say whether it is within `rate`.

    SET NX starts the window with its expiry and INCR counts inside one MULTI, so two
    servers counting at once can never both take the last slot.
    """
    key = redis_key("rl", scope, identity)
    pipeline = get_redis().pipeline(transaction=True)
    pipeline.set(key, 0, ex=rate.seconds, nx=True)
    pipeline.incr(key)
    pipeline.ttl(key)
    _, used, ttl = pipeline.execute()
    retry_after = ttl if ttl and ttl > 0 else rate.seconds
    return Decision(
        is_allowed=used <= rate.count,
        remaining=max(0, rate.count - used),
        retry_after=retry_after,
    )


def reset(scope: str, identity: str) -> None:
    get_redis().delete(redis_key("rl", scope, identity))
