"""The Redis client for stores that Kindred drives itself (decks, rate limits, presence).

With REDIS_URL set it is a real client with short timeouts; without it, an in-process
stand-in (fakeredis) shared by the whole process, as DESIGN.md §2 allows for `make run`.
"""

from functools import lru_cache

import redis
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

SOCKET_TIMEOUT_SECONDS = 2.0


def get_redis() -> redis.Redis:
    return _client(settings.REDIS_URL)


def redis_key(*parts: object) -> str:
    """A key under the project's prefix: `redis_key("rl", "login", ip)`."""
    return ":".join([settings.REDIS_KEY_PREFIX, *map(str, parts)])


@lru_cache(maxsize=4)
def _client(url: str) -> redis.Redis:
    if not url:
        import fakeredis

        return fakeredis.FakeRedis(server=_embedded_server(), decode_responses=True)
    return redis.Redis.from_url(
        url,
        decode_responses=True,
        socket_connect_timeout=SOCKET_TIMEOUT_SECONDS,
        socket_timeout=SOCKET_TIMEOUT_SECONDS,
        health_check_interval=30,
    )


@lru_cache(maxsize=1)
def _embedded_server():
    import fakeredis

    return fakeredis.FakeServer()


@receiver(setting_changed)
def _forget_clients(*, setting: str, **kwargs: object) -> None:
    if setting in {"REDIS_URL", "REDIS_KEY_PREFIX"}:
        _client.cache_clear()
