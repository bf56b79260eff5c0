"""Readiness checks: each dependency answers quickly or is reported down."""

import os
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection

from core.redis import get_redis


def check_database() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {}


def check_redis() -> dict[str, Any]:
    get_redis().ping()
    return {"embedded": not settings.REDIS_URL}


def check_storage() -> dict[str, Any]:
    bucket = getattr(default_storage, "bucket_name", None)
    if bucket:
        default_storage.connection.meta.client.head_bucket(Bucket=bucket)  # type: ignore[attr-defined]
        return {"backend": "s3"}
    location = default_storage.location  # type: ignore[attr-defined]
    os.makedirs(location, exist_ok=True)
    if not os.access(location, os.W_OK):
        raise OSError(f"{location} is not writable")
    return {"backend": "filesystem"}


CHECKS: dict[str, Callable[[], dict[str, Any]]] = {
    "database": check_database,
    "redis": check_redis,
    "storage": check_storage,
}


def readiness() -> tuple[bool, dict[str, dict[str, Any]]]:
    """Run every check; return whether all passed and each one's report."""
    report: dict[str, dict[str, Any]] = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            details = check()
        except Exception as error:  # noqa: BLE001  (any failure means "not ready")
            report[name] = {"ok": False, "error": type(error).__name__}
        else:
            report[name] = {"ok": True, **details}
        report[name]["latency_ms"] = round((time.perf_counter() - started) * 1000, 1)
    return all(item["ok"] for item in report.values()), report
