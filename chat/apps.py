from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "chat"
    verbose_name = "Chat"

    def ready(self) -> None:
        from chat import receivers  # noqa: F401  (conversations follow matches)
        from chat.selectors import match_summaries_for_viewer
        from matching.summaries import register_match_summary_provider

        register_match_summary_provider(match_summaries_for_viewer)
