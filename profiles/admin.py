"""The profiles part of the moderators' console. Each area registers its own models."""

from profiles import catalog_admin, photo_admin  # noqa: F401
