"""The Celery wiring: every task the beat schedules exists under that name."""

from config.celery import app


def test_every_task_on_the_beat_schedule_is_registered():
    app.loader.import_default_modules()  # what a worker does at start: autodiscovery

    scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}

    assert scheduled - set(app.tasks) == set()
    assert "core.sweep_outboxes" in scheduled
