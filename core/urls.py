from django.urls import path

from core.apis import LivenessApi, ReadinessApi

app_name = "core"

urlpatterns = [
    path("health", LivenessApi.as_view(), name="health"),
    path("health/ready", ReadinessApi.as_view(), name="ready"),
]
