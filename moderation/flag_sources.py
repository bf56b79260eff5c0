"""Abuse flags raised by the apps built on moderation, read lazily.

Moderation cannot import matching or chat at import time (DESIGN.md §3), so the models are
looked up by name (`apps.get_model`) when counted. `register_known_sources` (called from
AppConfig.ready) registers a counter for each with `moderation.priority` and connects a
post_save receiver, so that a new flag recomputes the person's report priority after
commit. Flags only raise priority; they never sanction anyone.

- matching.AbuseFlag (like abuse: rapid likes, a repeated comment): one open row per person
  and kind whose `occurrences` grow; counted as the occurrences of flags seen in the window.
  (Repeats are counted with a queryset UPDATE, which sends no post_save: they count from the
  next report or flag on.)
- chat.ChatFlag (an opener copied to several people): one row per refusal.
"""

from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any
from uuid import UUID

from django.apps import apps
from django.db import transaction
from django.db.models import Model, Sum
from django.db.models.signals import post_save

from moderation.priority import register_abuse_flag_source, report_priority_refresh


def matching_like_flags(user_id: UUID, since: datetime) -> int:
    model = apps.get_model("matching", "AbuseFlag")
    total = model._default_manager.filter(user_id=user_id, last_seen_at__gte=since).aggregate(
        total=Sum("occurrences")
    )["total"]
    return int(total or 0)


def chat_flags(user_id: UUID, since: datetime) -> int:
    model = apps.get_model("chat", "ChatFlag")
    return model._default_manager.filter(user_id=user_id, created_at__gte=since).count()


KNOWN_SOURCES: tuple[tuple[str, str, Callable[[UUID, datetime], int]], ...] = (
    ("matching", "AbuseFlag", matching_like_flags),
    ("chat", "ChatFlag", chat_flags),
)


def _on_flag_saved(sender: type[Model], instance: Any, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    user_id = getattr(instance, "user_id", None)
    if user_id is not None:
        transaction.on_commit(partial(report_priority_refresh, user_id=user_id))


def register_known_sources() -> None:
    for app_label, model_name, counter in KNOWN_SOURCES:
        try:
            model = apps.get_model(app_label, model_name)
        except LookupError:
            continue  # that app has no flags in this version
        register_abuse_flag_source(f"{app_label}.{model_name}", counter)
        post_save.connect(
            _on_flag_saved,
            sender=model,
            dispatch_uid=f"moderation.flag_saved.{app_label}.{model_name}",
        )
