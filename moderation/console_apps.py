"""Django's admin app with the moderators' console as its default site.

Listed in INSTALLED_APPS instead of "django.contrib.admin" (Django's documented way to
replace the default site), so every `admin.site` / `@admin.register` in the project
registers on `moderation.console.ConsoleAdminSite`. Kept apart from `console.py` because
app configs are imported before models are ready.
"""

from django.contrib.admin.apps import AdminConfig


class ConsoleAdminConfig(AdminConfig):
    default_site = "moderation.console.ConsoleAdminSite"
