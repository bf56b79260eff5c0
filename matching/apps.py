from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "matching"
    verbose_name = "Matching"

    def ready(self) -> None:
        from matching import (
            exclusions,  # noqa: F401  (registers likes and matches in discovery)
            receivers,  # noqa: F401  (blocks end matches; cached counts follow changes)
        )
        from matching.exclusions import (
            ended_match_high_user_ids,
            ended_match_low_user_ids,
            users_who_liked,
        )
        from profiles.hooks import register_hidden_profiles, register_incognito_audience

        # Unmatch is final: the two no longer see each other's profile either.
        register_hidden_profiles("matches_ended_as_high", ended_match_low_user_ids)
        register_hidden_profiles("matches_ended_as_low", ended_match_high_user_ids)
        # An incognito person's profile opens for the people they liked (and so for matches).
        register_incognito_audience("likers", users_who_liked)
