import logging
import os
import sys

from django.apps import AppConfig
from django.conf import settings

logger = logging.getLogger("kindred.startup")


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from core import schema  # noqa: F401  (registers OpenAPI extensions)

        if _is_main_process():
            for fallback in settings.EMBEDDED_FALLBACKS:
                logger.info("embedded fallback: %s", fallback)


def _is_main_process() -> bool:
    """False in runserver's file-watching parent and where the run script asked for quiet
    (its migrate and seed steps), so that each fallback is announced once per start."""
    if os.environ.get("KINDRED_QUIET_FALLBACKS") == "1":
        return False
    return not ("runserver" in sys.argv and os.environ.get("RUN_MAIN") != "true")
