"""Start-up checks of the push settings, so a misconfigured provider fails at deploy time
(`manage.py check --deploy`, `migrate`) rather than on the first push."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import Error, register
from django.utils.module_loading import import_string

BUILT_IN_PROVIDERS = {"logging", "fcm"}


@register()
def push_provider_check(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    name = settings.KINDRED_PUSH_PROVIDER
    if name not in BUILT_IN_PROVIDERS:
        try:
            import_string(name)
        except ImportError:
            return [
                Error(
                    f"KINDRED_PUSH_PROVIDER={name!r} is neither 'logging', 'fcm' nor an "
                    "importable class.",
                    id="notifications.E001",
                )
            ]
        return []
    path = settings.KINDRED_FCM_CREDENTIALS_FILE
    if name == "fcm" and path and not Path(path).is_file():
        return [
            Error(
                f"KINDRED_FCM_CREDENTIALS_FILE={path!r} is not a readable file.",
                hint="Mount the FCM service-account JSON there, or unset it to use "
                "GOOGLE_APPLICATION_CREDENTIALS.",
                id="notifications.E002",
            )
        ]
    return []
