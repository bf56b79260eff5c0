"""ASGI entry point: HTTP goes to Django, WebSocket to the Channels routes under /ws/."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

# Django must be set up before anything imports models (consumers, middleware).
django_asgi_application = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from chat.origin import RealtimeOriginValidator  # noqa: E402
from config.routing import websocket_urlpatterns  # noqa: E402
from core.process import freeze_startup_objects  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_application,
        # Origin: ALLOWED_HOSTS, CORS_ALLOWED_ORIGINS and native apps (see chat.origin).
        "websocket": RealtimeOriginValidator(URLRouter(websocket_urlpatterns)),
    }
)

# Everything loaded so far lives as long as the process: keep it out of the collector's
# full passes, which otherwise stall every open socket (core.process).
freeze_startup_objects()
