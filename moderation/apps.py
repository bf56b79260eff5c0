from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = "Moderation"

    def ready(self) -> None:
        from moderation import flag_sources, receivers  # noqa: F401  (connects receivers)
        from moderation.sanction_services import is_verification_required
        from moderation.selectors import blocked_user_ids, blocking_user_ids
        from profiles.hooks import register_discoverability_veto, register_hidden_profiles

        # Blocks either way make a profile 404 for the other (GET /profiles/{id}).
        register_hidden_profiles("blocks_made", blocked_user_ids)
        register_hidden_profiles("blocks_received", blocking_user_ids)
        # "Verify your profile" sanctions keep the profile out of discovery meanwhile.
        register_discoverability_veto("verification_required", is_verification_required)
        flag_sources.register_known_sources()
