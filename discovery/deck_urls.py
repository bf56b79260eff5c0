"""Deck routes (see deck_apis)."""

from django.urls import path

from discovery import deck_apis

urlpatterns = [
    path("discovery/deck", deck_apis.DeckApi.as_view(), name="deck"),
]
