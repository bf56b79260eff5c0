import uuid

from django.db import models


class TimestampedModel(models.Model):
    """Creation and update times; for models whose primary key is not a plain UUID."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class BaseModel(TimestampedModel):
    """UUID primary key and creation/update times, for every model of the project."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)

    class Meta:
        abstract = True
        ordering = ("-created_at",)
