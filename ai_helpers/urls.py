from django.urls import URLPattern, URLResolver

app_name = "ai_helpers"

urlpatterns: list[URLPattern | URLResolver] = []
