from django.urls import include, path

app_name = "discovery"

urlpatterns = [
    path("", include("discovery.deck_urls")),
    path("", include("discovery.other_urls")),
]
