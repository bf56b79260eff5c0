import logging

from django.apps import AppConfig
from django.conf import settings

logger = logging.getLogger("kindred.startup")


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from core import schema  # noqa: F401  (registers OpenAPI extensions)

        for fallback in settings.EMBEDDED_FALLBACKS:
            logger.info("embedded fallback: %s", fallback)
