"""Queue priority: the reason's weight plus automatic signals (distinct established
reporters, abuse flags from matching and chat). Signals raise priority; they never
sanction anyone."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import UserFactory
from chat.models import ChatFlag, FlagReason
from matching.models import AbuseFlag, AbuseKind
from moderation.models import Report, Sanction
from moderation.priority import (
    ABUSE_FLAG_WEIGHT,
    ESTABLISHED_REPORTER_WEIGHT,
    REASON_WEIGHTS,
)
from moderation.services import report_create
from profiles.tests.factories import make_complete

pytestmark = pytest.mark.django_db


def reporter(*, days_old: int) -> User:
    person = UserFactory(date_joined=timezone.now() - timedelta(days=days_old))
    return person


def test_the_queue_is_ordered_by_the_most_serious_reason(other):
    spam = report_create(reporter=reporter(days_old=1), user_id=other.pk, reason="spam_or_scam")
    someone = make_complete(UserFactory())
    underage = report_create(reporter=reporter(days_old=1), user_id=someone.pk, reason="underage")

    queue = list(Report.objects.filter(status="open").order_by("-priority", "created_at"))

    assert queue == [underage.report, spam.report]
    assert underage.report.priority == REASON_WEIGHTS["underage"]
    assert spam.report.priority == REASON_WEIGHTS["spam_or_scam"]


def test_distinct_established_reporters_raise_the_priority_of_every_open_report(other):
    first = report_create(reporter=reporter(days_old=30), user_id=other.pk, reason="other").report
    assert first.priority == REASON_WEIGHTS["other"] + ESTABLISHED_REPORTER_WEIGHT

    established = reporter(days_old=30)
    report_create(reporter=established, user_id=other.pk, reason="harassment")
    report_create(reporter=established, user_id=other.pk, reason="harassment")  # merges

    first.refresh_from_db()
    assert first.priority == REASON_WEIGHTS["other"] + 2 * ESTABLISHED_REPORTER_WEIGHT
    assert first.priority_factors["signals"]["established_reporters"] == 2


def test_reports_from_fresh_accounts_add_nothing_beyond_their_reason(other):
    reports = [
        report_create(reporter=reporter(days_old=2), user_id=other.pk, reason="fake_profile").report
        for _ in range(5)
    ]

    for report in reports:
        report.refresh_from_db()
        assert report.priority == REASON_WEIGHTS["fake_profile"]
        assert report.priority_factors["signals"]["established_reporters"] == 0


def test_abuse_flags_from_matching_and_chat_raise_priority_and_punish_nobody(
    other, django_capture_on_commit_callbacks
):
    report = report_create(reporter=reporter(days_old=1), user_id=other.pk, reason="other").report
    assert report.priority == REASON_WEIGHTS["other"]

    with django_capture_on_commit_callbacks(execute=True):
        AbuseFlag.objects.create(
            user_id=other.pk, kind=AbuseKind.RAPID_LIKES, occurrences=2, last_seen_at=timezone.now()
        )
    report.refresh_from_db()
    assert report.priority == REASON_WEIGHTS["other"] + 2 * ABUSE_FLAG_WEIGHT

    with django_capture_on_commit_callbacks(execute=True):
        ChatFlag.objects.create(user_id=other.pk, reason=FlagReason.COPIED_OPENER, body="hey")
    report.refresh_from_db()
    assert report.priority == REASON_WEIGHTS["other"] + 3 * ABUSE_FLAG_WEIGHT
    assert report.priority_factors["signals"]["abuse_flags"] == {
        "matching.AbuseFlag": 2,
        "chat.ChatFlag": 1,
    }
    assert Sanction.objects.count() == 0
    other.user.refresh_from_db()
    assert other.user.banned_at is None
    assert other.user.suspended_until is None


def test_flags_outside_the_signal_window_do_not_count(other, settings):
    settings.KINDRED_MODERATION_SIGNAL_WINDOW_DAYS = 30
    AbuseFlag.objects.create(
        user_id=other.pk,
        kind=AbuseKind.REPEATED_COMMENT,
        last_seen_at=timezone.now() - timedelta(days=31),
    )

    report = report_create(reporter=reporter(days_old=1), user_id=other.pk, reason="other").report

    assert report.priority == REASON_WEIGHTS["other"]
