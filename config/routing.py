"""WebSocket routes. The realtime consumer at /ws/v1/ arrives with the chat issue."""

from django.urls import URLPattern

websocket_urlpatterns: list[URLPattern] = []
