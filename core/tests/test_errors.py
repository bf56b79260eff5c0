"""Every error, whatever raised it, answers `{"code", "message", "extra"}`."""

import json

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def assert_envelope(response, status: int, code: str) -> dict:
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"code", "message", "extra"}
    assert body["code"] == code
    assert isinstance(body["message"], str)
    assert body["message"]
    assert isinstance(body["extra"], dict)
    return body


def test_validation_error_lists_fields(api_client):
    response = api_client.post("/api/v1/auth/signup", {"email": "nope"})

    body = assert_envelope(response, 400, "validation_error")
    assert set(body["extra"]["fields"]) == {"email", "password"}


def test_malformed_json_is_a_400(api_client):
    response = api_client.post(
        "/api/v1/auth/login", data="{not json", content_type="application/json"
    )

    assert_envelope(response, 400, "malformed_request")


def test_non_object_json_body_is_a_400(api_client):
    response = api_client.post(
        "/api/v1/auth/login", data=json.dumps(["a", "b"]), content_type="application/json"
    )

    assert_envelope(response, 400, "validation_error")


def test_missing_credentials_is_a_401(api_client):
    assert_envelope(api_client.get("/api/v1/me"), 401, "not_authenticated")


def test_forbidden_is_a_403(api_client):
    user = UserFactory()
    from django.utils import timezone

    type(user).objects.filter(pk=user.pk).update(banned_at=timezone.now())
    response = api_client.post(
        "/api/v1/auth/login", {"email": user.email, "password": "correct-horse-42"}
    )

    assert_envelope(response, 403, "account_banned")


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v2/health", "/nowhere", "/api/v1/me/x"])
def test_unknown_paths_are_a_404(path):
    assert_envelope(Client().get(path), 404, "not_found")


def test_wrong_method_is_a_405(api_client):
    body = assert_envelope(api_client.get("/api/v1/auth/signup"), 405, "method_not_allowed")
    assert "GET" in body["message"]


def test_unsupported_media_type_is_a_415(api_client):
    response = api_client.post("/api/v1/auth/login", data="email=a", content_type="text/plain")

    assert_envelope(response, 415, "unsupported_media_type")


def test_body_over_the_limit_is_a_413_before_it_is_read(api_client, settings):
    settings.KINDRED_MAX_REQUEST_BYTES = 1000
    payload = {"email": "a@example.com", "password": "x" * 2000}

    body = assert_envelope(
        api_client.post("/api/v1/auth/signup", payload), 413, "request_too_large"
    )
    assert body["extra"]["max_bytes"] == 1000
    from accounts.models import User

    assert not User.objects.exists()


def test_json_body_over_django_memory_limit_is_a_413(api_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 500
    payload = {"email": "a@example.com", "password": "x" * 2000}

    assert_envelope(api_client.post("/api/v1/auth/signup", payload), 413, "request_too_large")


@pytest.mark.urls("core.tests.urls")
def test_rate_limited_is_a_429_with_retry_after(api_client):
    response = api_client.get("/api/v1/test/limited")

    body = assert_envelope(response, 429, "rate_limited")
    assert response["Retry-After"] == "42"
    assert body["extra"]["retry_after"] == 42


@pytest.mark.urls("core.tests.urls")
def test_unhandled_error_is_a_json_500_without_traceback(caplog):
    client = APIClient(raise_request_exception=False)

    response = client.get("/api/v1/test/crash", HTTP_X_REQUEST_ID="req-12345678")

    body = assert_envelope(response, 500, "internal_error")
    assert body["extra"] == {"request_id": "req-12345678"}
    assert "secret internal detail" not in response.content.decode()
    assert "Traceback" not in response.content.decode()
    assert any(
        "secret internal detail" in record.exc_text for record in caplog.records if record.exc_text
    )


@pytest.mark.urls("core.tests.urls")
def test_crash_outside_drf_is_a_json_500():
    response = Client(raise_request_exception=False).get("/test/plain-crash")

    assert_envelope(response, 500, "internal_error")
    assert "Traceback" not in response.content.decode()


def test_admin_pages_keep_html_error_pages():
    staff = UserFactory(is_staff=True)
    client = Client()
    client.force_login(staff)

    response = client.get("/admin/accounts/user/")

    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")


def test_unsafe_methods_on_unknown_api_paths_are_json_404s():
    response = Client().delete("/api/v1/profile/prompts/not-a-uuid")

    assert_envelope(response, 404, "not_found")
