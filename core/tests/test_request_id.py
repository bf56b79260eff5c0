import logging

import pytest
from django.test import Client

from core.logging import RequestIdFilter


def test_every_response_carries_a_request_id():
    first = Client().get("/api/v1/health")
    second = Client().get("/api/v1/health")

    assert len(first["X-Request-ID"]) == 32
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_a_sane_incoming_request_id_is_kept():
    response = Client().get("/api/v1/health", HTTP_X_REQUEST_ID="mobile-abc-123456")

    assert response["X-Request-ID"] == "mobile-abc-123456"


@pytest.mark.parametrize("incoming", ["short", "has spaces in it ok", "x" * 65, "bad\nline-inject"])
def test_an_unsafe_incoming_request_id_is_replaced(incoming):
    response = Client().get("/api/v1/health", HTTP_X_REQUEST_ID=incoming)

    assert response["X-Request-ID"] != incoming
    assert len(response["X-Request-ID"]) == 32


@pytest.mark.django_db
def test_log_lines_during_a_request_carry_its_id(caplog):
    caplog.handler.addFilter(RequestIdFilter())
    with caplog.at_level(logging.WARNING, logger="accounts.services"):
        from accounts.tests.factories import UserFactory

        user = UserFactory()
        from accounts.tokens import token_pair_for_user

        refresh = token_pair_for_user(user).refresh
        Client().post("/api/v1/auth/refresh", {"refresh": refresh}, content_type="application/json")
        Client().post(
            "/api/v1/auth/refresh",
            {"refresh": refresh},
            content_type="application/json",
            HTTP_X_REQUEST_ID="trace-me-1234",
        )

    reuse = [record for record in caplog.records if "reused" in record.getMessage()]
    assert [record.request_id for record in reuse] == ["trace-me-1234"]


def test_json_log_format_includes_the_request_id():
    from pythonjsonlogger.json import JsonFormatter

    from core.logging import request_id_var

    formatter = JsonFormatter("%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s")
    record = logging.LogRecord("kindred", logging.INFO, __file__, 1, "hello", None, None)
    token = request_id_var.set("abc12345")
    try:
        RequestIdFilter().filter(record)
    finally:
        request_id_var.reset(token)

    import json

    line = json.loads(formatter.format(record))
    assert line["request_id"] == "abc12345"
    assert line["message"] == "hello"
