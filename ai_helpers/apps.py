from django.apps import AppConfig


class AiHelpersConfig(AppConfig):
    name = "ai_helpers"
    verbose_name = "AI helpers"
