"""Celery tasks of `profiles`. Each area keeps its tasks in its own module; this module is
the one Celery's autodiscovery imports."""

from profiles.photo_tasks import *  # noqa: F403
from profiles.quiz_tasks import *  # noqa: F403
