"""WebSocket routes: the one realtime socket of DESIGN.md §7 (docs/asyncapi.yaml)."""

from django.urls import URLPattern, path

from chat.consumers import RealtimeConsumer

websocket_urlpatterns: list[URLPattern] = [
    path("ws/v1/", RealtimeConsumer.as_asgi(), name="realtime"),
]
