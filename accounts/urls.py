from django.urls import path
from rest_framework.routers import SimpleRouter

from accounts.apis import AuthViewSet, MeViewSet
from accounts.lifecycle_apis import (
    AccountSecurityViewSet,
    DataExportViewSet,
    EmailAndPasswordViewSet,
)

app_name = "accounts"

router = SimpleRouter(trailing_slash=False)
router.register("auth", AuthViewSet, basename="auth")
router.register("auth", EmailAndPasswordViewSet, basename="auth-links")
router.register("auth", AccountSecurityViewSet, basename="auth-security")

urlpatterns = [
    *router.urls,
    path(
        "me",
        MeViewSet.as_view({"get": "retrieve", "patch": "partial_update", "delete": "destroy"}),
        name="me",
    ),
    path(
        "me/export",
        DataExportViewSet.as_view({"get": "retrieve", "post": "create"}),
        name="me-export",
    ),
]
