"""Discovery's own records: passes (the 30-day cooldown), the shortlist, and exposure
counts for the fairness term. Decks themselves live in Redis (see deck_store.py)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from core.models import BaseModel, TimestampedModel


class Pass(BaseModel):
    """I passed on `target`: hidden from my deck until the cooldown ends, then it may come
    back. Expired passes are deleted by a beat job, which keeps exclusion cheap."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    target = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["actor", "target"], name="discovery_pass_once"),
            models.CheckConstraint(condition=~Q(actor=F("target")), name="discovery_pass_not_self"),
        ]
        indexes = [
            models.Index(fields=["actor", "created_at"], name="discovery_pass_actor_recent"),
            models.Index(fields=["created_at"], name="discovery_pass_expiry"),
        ]


class ShortlistEntry(BaseModel):
    """A profile I saved to look at again."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    target = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ("-created_at",)
        constraints = [
            models.UniqueConstraint(fields=["owner", "target"], name="discovery_shortlist_once"),
            models.CheckConstraint(
                condition=~Q(owner=F("target")), name="discovery_shortlist_not_self"
            ),
        ]


class Exposure(TimestampedModel):
    """How often a profile was shown in decks and liked: the fairness term damps profiles
    shown far more than they are liked. Counters move with F() only."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    shown_count = models.PositiveIntegerField(default=0)
    liked_count = models.PositiveIntegerField(default=0)
