"""Photo routes (see photo_apis)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
