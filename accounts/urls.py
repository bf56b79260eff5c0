from django.urls import path
from rest_framework.routers import SimpleRouter

from accounts.apis import AuthViewSet, MeViewSet

app_name = "accounts"

router = SimpleRouter(trailing_slash=False)
router.register("auth", AuthViewSet, basename="auth")

urlpatterns = [
    *router.urls,
    path("me", MeViewSet.as_view({"get": "retrieve", "patch": "partial_update"}), name="me"),
]
