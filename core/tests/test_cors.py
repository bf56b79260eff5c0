from django.test import Client


def test_allowed_web_origin_gets_cors_headers(settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example.com"]

    response = Client().options(
        "/api/v1/health",
        HTTP_ORIGIN="https://app.example.com",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
    )

    assert response["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert (
        "X-Request-ID"
        in Client().get("/api/v1/health", HTTP_ORIGIN="https://app.example.com")[
            "Access-Control-Expose-Headers"
        ]
    )


def test_other_origins_get_no_cors_headers(settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example.com"]

    response = Client().get("/api/v1/health", HTTP_ORIGIN="https://evil.example.net")

    assert "Access-Control-Allow-Origin" not in response
