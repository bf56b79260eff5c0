from django.conf import settings
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import error_body
from core.health import readiness
from core.schema import ErrorSerializer

LivenessOutput = inline_serializer(
    "Liveness", {"status": serializers.CharField(), "version": serializers.CharField()}
)
ReadinessOutput = inline_serializer(
    "Readiness",
    {
        "status": serializers.CharField(),
        "checks": serializers.DictField(child=serializers.DictField()),
    },
)


class LivenessApi(APIView):
    """Is the process up? Touches no dependency."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(responses={200: LivenessOutput}, tags=["health"])
    def get(self, request: Request) -> Response:
        return Response({"status": "ok", "version": settings.VERSION})


class ReadinessApi(APIView):
    """Can the process serve? Reports the database, Redis and storage; 503 if one is down."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(responses={200: ReadinessOutput, 503: ErrorSerializer}, tags=["health"])
    def get(self, request: Request) -> Response:
        is_ready, checks = readiness()
        if is_ready:
            return Response({"status": "ok", "checks": checks})
        down = sorted(name for name, check in checks.items() if not check["ok"])
        return Response(
            error_body("not_ready", f"Unavailable: {', '.join(down)}.", {"checks": checks}),
            status=503,
        )
