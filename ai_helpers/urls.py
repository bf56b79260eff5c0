"""AI helper routes (API.md: AI helpers)."""

from django.urls import URLPattern, URLResolver, path

from ai_helpers import apis

app_name = "ai_helpers"

urlpatterns: list[URLPattern | URLResolver] = [
    path("ai/profile-analysis", apis.ProfileAnalysisApi.as_view(), name="profile-analysis"),
    path("ai/openers", apis.OpenersApi.as_view(), name="openers"),
    path("ai/jobs/<uuid:job_id>", apis.AIJobDetailApi.as_view(), name="job-detail"),
]
