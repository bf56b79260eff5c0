"""Which browser origins may open the socket (read from settings on every handshake).

Allowed: the hosts of ALLOWED_HOSTS (any scheme and port, as channels'
AllowedHostsOriginValidator does), the CORS_ALLOWED_ORIGINS of the web apps, and
KINDRED_WS_ALLOWED_ORIGINS. A handshake without an Origin header comes from a native app,
not a page: it is let through while KINDRED_WS_ALLOW_MISSING_ORIGIN is on, since the
socket's credential is a one-time ticket, not a cookie another site could ride on.
Refused handshakes get HTTP 403 before any consumer runs.
"""

from typing import Any
from urllib.parse import ParseResult

from channels.security.websocket import OriginValidator
from django.conf import settings


class RealtimeOriginValidator(OriginValidator):
    def __init__(self, application: Any) -> None:
        super().__init__(application, allowed_origins=[])

    @property
    def allowed_origins(self) -> list[str]:
        return [
            *settings.ALLOWED_HOSTS,
            *settings.CORS_ALLOWED_ORIGINS,
            *settings.KINDRED_WS_ALLOWED_ORIGINS,
        ]

    @allowed_origins.setter
    def allowed_origins(self, value: list[str]) -> None:
        pass  # always read from settings

    def valid_origin(self, parsed_origin: ParseResult | None) -> bool:
        if parsed_origin is None:
            return bool(settings.KINDRED_WS_ALLOW_MISSING_ORIGIN)
        return bool(self.validate_origin(parsed_origin))
