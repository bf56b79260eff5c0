from django.urls import URLPattern, URLResolver, path

from chat import apis

app_name = "chat"

urlpatterns: list[URLPattern | URLResolver] = [
    path("chat/conversations", apis.ConversationListApi.as_view(), name="conversations"),
    path(
        "chat/conversations/<uuid:conversation_id>/messages",
        apis.MessageListApi.as_view(),
        name="messages",
    ),
    path(
        "chat/conversations/<uuid:conversation_id>/read",
        apis.ReadApi.as_view(),
        name="read",
    ),
    path("chat/settings", apis.ChatPreferenceApi.as_view(), name="settings"),
    path("realtime/ticket", apis.RealtimeTicketApi.as_view(), name="realtime-ticket"),
]
