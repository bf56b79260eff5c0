from django.contrib import admin
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from core import views as core_views
from core.media import serve_signed_media

admin.site.site_header = "Kindred moderation console"
admin.site.site_title = "Kindred admin"
admin.site.index_title = "Moderation and accounts"

api_v1 = [
    path("", include("core.urls")),
    path("", include("accounts.urls")),
    path("", include("profiles.urls")),
    path("", include("discovery.urls")),
    path("", include("matching.urls")),
    path("", include("chat.urls")),
    path("", include("moderation.urls")),
    path("", include("ai_helpers.urls")),
    path("", include("notifications.urls")),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("admin/", admin.site.urls),
    # Disk storage only (embedded mode): files behind the signed URLs of core.storage.
    re_path(r"^media/(?P<name>.+)$", serve_signed_media, name="signed-media"),
    # Unknown API paths answer in the error shape even with DEBUG on.
    # (csrf_exempt: a PATCH/DELETE to a malformed API path is a JSON 404, not a CSRF page.)
    re_path(r"^api/", csrf_exempt(core_views.not_found)),
]

handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.not_found"
handler500 = "core.views.server_error"
