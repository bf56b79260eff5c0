"""Moderation's records. Blocks are read only through `moderation.selectors` everywhere."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from core.models import BaseModel


class Block(BaseModel):
    """`blocker` blocked `blocked`: each is hidden from the other everywhere (deck, search,
    picks, likes, matches, profile views, chat), whoever blocked whom."""

    blocker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    blocked = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        ordering = ("-created_at",)
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="moderation_block_once"),
            models.CheckConstraint(
                condition=~Q(blocker=F("blocked")), name="moderation_block_not_self"
            ),
        ]
        indexes = [models.Index(fields=["blocked"], name="moderation_block_blocked")]
