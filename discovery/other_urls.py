"""Routes of search, picks, the shortlist and compatibility (included by discovery/urls.py)."""

from django.urls import path

from discovery import other_apis as apis

urlpatterns = [
    path("discovery/search", apis.SearchApi.as_view(), name="search"),
    path("discovery/picks", apis.PicksApi.as_view(), name="picks"),
    path("discovery/shortlist", apis.ShortlistApi.as_view(), name="shortlist"),
    path(
        "discovery/shortlist/<uuid:profile_id>",
        apis.ShortlistEntryApi.as_view(),
        name="shortlist-entry",
    ),
    path(
        "profiles/<uuid:user_id>/compatibility",
        apis.CompatibilityApi.as_view(),
        name="compatibility",
    ),
]
