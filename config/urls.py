from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from core import views as core_views

admin.site.site_header = "Kindred moderation console"
admin.site.site_title = "Kindred admin"
admin.site.index_title = "Moderation and accounts"

api_v1 = [
    path("", include("core.urls")),
    path("", include("accounts.urls")),
    path("", include("profiles.urls")),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("admin/", admin.site.urls),
    # Unknown API paths answer in the error shape even with DEBUG on.
    re_path(r"^api/", core_views.not_found),
]

handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.not_found"
handler500 = "core.views.server_error"
