"""DRF throttles backed by core.ratelimit: shared by every server, atomic, with Retry-After."""

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from core.ratelimit import Rate, hit


def client_ip(request: Request) -> str:
    """The caller's address, trusting X-Forwarded-For only from KINDRED_TRUSTED_PROXY_COUNT
    proxies of our own (a client can write anything in that header)."""
    proxies = settings.KINDRED_TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return str(request.META.get("REMOTE_ADDR") or "unknown")


class RedisRateThrottle(BaseThrottle):
    """Counts requests per `identity` in the window named by `scope` in KINDRED_THROTTLES."""

    scope = ""

    def __init__(self) -> None:
        self.retry_after: int | None = None

    def identity(self, request: Request) -> str | None:
        raise NotImplementedError

    def allow_request(self, request: Request, view: APIView) -> bool:
        identity = self.identity(request)
        if identity is None:
            return True
        decision = hit(self.scope, identity, Rate.parse(settings.KINDRED_THROTTLES[self.scope]))
        self.retry_after = decision.retry_after
        return decision.is_allowed

    def wait(self) -> float | None:
        return self.retry_after


class IpThrottle(RedisRateThrottle):
    def identity(self, request: Request) -> str | None:
        return client_ip(request)


class UserThrottle(RedisRateThrottle):
    def identity(self, request: Request) -> str | None:
        return str(request.user.pk) if request.user.is_authenticated else None
