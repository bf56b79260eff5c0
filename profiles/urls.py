from django.urls import include, path

from profiles import apis

app_name = "profiles"

urlpatterns = [
    path("profile", apis.OwnProfileApi.as_view(), name="own-profile"),
    path("profile/location", apis.LocationApi.as_view(), name="location"),
    path("profile/verification", apis.VerificationApi.as_view(), name="verification"),
    path("profiles/<uuid:user_id>", apis.PublicProfileApi.as_view(), name="public-profile"),
    path("", include("profiles.photo_urls")),
    path("", include("profiles.quiz_urls")),
]
