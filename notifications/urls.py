from django.urls import path

from notifications import apis

app_name = "notifications"

urlpatterns = [
    path("notifications", apis.NotificationListApi.as_view(), name="list"),
    path("notifications/read", apis.NotificationReadApi.as_view(), name="read"),
    path("notifications/devices", apis.PushDeviceApi.as_view(), name="devices"),
    path(
        "notifications/preferences",
        apis.NotificationPreferencesApi.as_view(),
        name="preferences",
    ),
]
