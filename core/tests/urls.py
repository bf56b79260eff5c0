"""URLs for error-envelope tests: a view that crashes, and a paginated list."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from config import urls as config_urls
from core.exceptions import RateLimited
from core.pagination import CursorPagination


class Crash(APIView):
    permission_classes = [AllowAny]

    def get(self, request: Request) -> Response:
        raise RuntimeError("secret internal detail")


class Limited(APIView):
    permission_classes = [AllowAny]

    def get(self, request: Request) -> Response:
        raise RateLimited(retry_after=42)


class UserRow(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ("id", "email")


class NewestUsersFirst(CursorPagination):
    ordering = "-date_joined"


class Users(ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = UserRow
    queryset = User.objects.all()
    pagination_class = NewestUsersFirst


def plain_crash(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a plain Django view failed")


urlpatterns = [
    path("test/plain-crash", plain_crash),
    path("api/v1/test/crash", Crash.as_view()),
    path("api/v1/test/limited", Limited.as_view()),
    path("api/v1/test/users", Users.as_view()),
    path("", include("config.urls")),
]

# The project's handlers, so that errors outside DRF are rendered as in production.
handler400 = config_urls.handler400
handler403 = config_urls.handler403
handler404 = config_urls.handler404
handler500 = config_urls.handler500
