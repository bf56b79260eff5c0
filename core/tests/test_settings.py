"""Production settings refuse to start on insecure or missing configuration."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
    "DATABASE_URL": "postgres://kindred:kindred@db.internal:5432/kindred",
    "REDIS_URL": "redis://redis.internal:6379/0",
    "AWS_STORAGE_BUCKET_NAME": "kindred-media",
    "DJANGO_ALLOWED_HOSTS": "api.example.com",
    "KINDRED_APP_BASE_URL": "https://app.example.com",
}


def load_production(
    print_setting: str = "settings.DEBUG", **overrides: str
) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in GOOD}
    env.update(GOOD)
    env.update(overrides)
    for key in [key for key, value in env.items() if value == "<unset>"]:
        del env[key]
    code = (
        f"import django; django.setup(); from django.conf import settings; print({print_setting})"
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )


def test_production_settings_load_with_a_complete_environment():
    result = load_production()

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_database_connections_are_health_checked_unless_a_service_turns_it_off():
    connection = 'settings.DATABASES["default"]["CONN_HEALTH_CHECKS"], '
    connection += 'settings.DATABASES["default"]["CONN_MAX_AGE"]'

    assert load_production(connection).stdout.strip() == "True 60"
    realtime = load_production(
        connection, DATABASE_CONN_HEALTH_CHECKS="false", DATABASE_CONN_MAX_AGE="600"
    )
    assert realtime.stdout.strip() == "False 600", realtime.stderr


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"DJANGO_SECRET_KEY": "<unset>"}, "DJANGO_SECRET_KEY"),
        ({"DJANGO_SECRET_KEY": "short"}, "DJANGO_SECRET_KEY"),
        ({"DJANGO_SECRET_KEY": "django-insecure-" + "a" * 60}, "DJANGO_SECRET_KEY"),
        ({"DATABASE_URL": "<unset>"}, "DATABASE_URL"),
        ({"REDIS_URL": "<unset>"}, "REDIS_URL"),
        ({"AWS_STORAGE_BUCKET_NAME": "<unset>"}, "AWS_STORAGE_BUCKET_NAME"),
        ({"DJANGO_ALLOWED_HOSTS": "*"}, "DJANGO_ALLOWED_HOSTS"),
        ({"DJANGO_DEBUG": "true"}, "DJANGO_DEBUG"),
        ({"KINDRED_APP_BASE_URL": "<unset>"}, "KINDRED_APP_BASE_URL"),
        ({"KINDRED_APP_BASE_URL": "http://app.example.com"}, "KINDRED_APP_BASE_URL"),
    ],
)
def test_production_settings_refuse_insecure_configuration(overrides, named):
    result = load_production(**overrides)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert named in result.stderr
