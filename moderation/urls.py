from django.urls import path

from moderation import apis

app_name = "moderation"

urlpatterns = [
    path("moderation/blocks", apis.BlocksApi.as_view(), name="blocks"),
    path("moderation/blocks/<uuid:user_id>", apis.BlockApi.as_view(), name="block"),
    path("moderation/reports", apis.ReportsApi.as_view(), name="reports"),
    path("moderation/sanctions", apis.SanctionsApi.as_view(), name="sanctions"),
    path(
        "moderation/sanctions/<uuid:sanction_id>/appeal",
        apis.SanctionAppealApi.as_view(),
        name="sanction-appeal",
    ),
    path("moderation/appeal-session", apis.AppealSessionApi.as_view(), name="appeal-session"),
]
