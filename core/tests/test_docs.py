from django.test import Client


def test_swagger_ui_is_served_from_our_own_static_files():
    page = Client().get("/api/docs/").content.decode()

    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    assert "cdn." not in page
    assert "unpkg" not in page


def test_schema_documents_the_error_envelope_and_bearer_auth():
    schema = Client().get("/api/schema/?format=json").json()

    error = schema["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"code", "message", "extra"}
    assert schema["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert "/api/v1/auth/login" in schema["paths"]
