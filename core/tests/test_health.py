import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_liveness_touches_nothing(django_assert_num_queries, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    with django_assert_num_queries(0):
        response = Client().get("/api/v1/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": settings.VERSION}


def test_readiness_reports_each_dependency():
    response = Client().get("/api/v1/health/ready")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "redis", "storage"}
    assert all(check["ok"] for check in body["checks"].values())
    assert body["checks"]["redis"]["embedded"] is False


def test_readiness_is_503_when_redis_is_unreachable(settings):
    # Port 1 on loopback: nothing listens, the connection is refused at once.
    settings.REDIS_URL = "redis://127.0.0.1:1/0"

    response = Client().get("/api/v1/health/ready")

    assert response.status_code == 503
    body = response.json()
    assert body["code"] == "not_ready"
    assert body["message"] == "Unavailable: redis."
    checks = body["extra"]["checks"]
    assert checks["redis"]["ok"] is False
    assert checks["redis"]["error"] == "ConnectionError"
    assert checks["database"]["ok"] is True
    assert checks["storage"]["ok"] is True


def test_readiness_is_503_when_storage_is_unusable(settings, tmp_path):
    # A plain file where the media folder should be: no directory can be made there.
    blocker = tmp_path / "media"
    blocker.write_text("not a directory")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(blocker / "nested")},
        },
    }

    response = Client().get("/api/v1/health/ready")

    assert response.status_code == 503
    assert response.json()["extra"]["checks"]["storage"]["ok"] is False
