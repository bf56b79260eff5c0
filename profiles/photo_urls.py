"""Photo routes (see photo_apis)."""

from django.urls import path

from profiles import photo_apis

urlpatterns = [
    path("profile/photos", photo_apis.PhotoListCreateApi.as_view(), name="photos"),
    path("profile/photos/reorder", photo_apis.PhotoReorderApi.as_view(), name="photo-reorder"),
    path(
        "profile/photos/<uuid:photo_id>", photo_apis.PhotoDetailApi.as_view(), name="photo-detail"
    ),
]
