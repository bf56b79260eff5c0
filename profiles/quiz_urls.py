"""Prompt, quiz, traits and badge routes (see quiz_apis)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
