from django.apps import AppConfig


class ProfilesConfig(AppConfig):
    name = "profiles"
    verbose_name = "Profiles"

    def ready(self) -> None:
        # Connect the signal receivers: a profile for every new account, and photo files
        # that follow cascaded row deletes (account deletion bypasses the photo services).
        from profiles import photo_receivers, receivers  # noqa: F401
