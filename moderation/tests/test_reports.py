"""Reports: they block, freeze evidence (profile, referenced and latest messages) that only
moderators read, merge while open, survive unmatch and deletion until the retention ends."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import override_settings
from django.utils import timezone

from accounts.tests.factories import UserFactory
from chat.tests.factories import make_match, send
from core.testing import run_in_threads
from matching.models import Match, MatchState
from moderation.evidence import evidence_copy_name
from moderation.models import Block, Evidence, Report, ReportStatus
from moderation.retention import evidence_purge_expired
from moderation.services import report_create
from moderation.tasks import evidence_copy_photos_task
from profiles.models import Photo, PhotoStatus, Profile
from profiles.photo_services import photo_delete
from profiles.tests.factories import add_approved_photo, make_complete

pytestmark = pytest.mark.django_db

REPORTS = "/api/v1/moderation/reports"


def report_body(other, **fields):
    return {"user_id": str(other.pk), "reason": "harassment", "details": "Rude.", **fields}


def test_a_report_freezes_the_profile_and_blocks(auth_client, member, other):
    response = auth_client.post(REPORTS, report_body(other, details="Insulted me."))

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {
        "id", "user_id", "reason", "reasons", "status", "submission_count", "created_at"
    }  # fmt: skip
    assert body["user_id"] == str(other.pk)
    assert body["status"] == "open"
    report = Report.objects.get()
    assert (report.reporter_id, report.reported_id, report.reason) == (
        member.pk,
        other.pk,
        "harassment",
    )
    evidence = Evidence.objects.get(report=report)
    assert evidence.details == "Insulted me."
    assert evidence.profile["display_name"] == "Sam"
    assert evidence.profile["bio"] == "Ask me about my plants"
    [photo] = evidence.profile["photos"]
    assert photo["id"] == str(other.photos.get().pk)
    assert photo["moderation_state"] == "approved"
    assert Block.objects.filter(blocker_id=member.pk, blocked_id=other.pk).exists()
    assert auth_client.get(f"/api/v1/profiles/{other.pk}").status_code == 404


def test_the_snapshot_does_not_follow_later_profile_changes(auth_client, member, other):
    auth_client.post(REPORTS, report_body(other))

    Profile.objects.filter(pk=other.pk).update(bio="Totally different now", display_name="Kim")
    add_approved_photo(other, position=1)

    evidence = Evidence.objects.get()
    assert evidence.profile["bio"] == "Ask me about my plants"
    assert evidence.profile["display_name"] == "Sam"
    assert len(evidence.profile["photos"]) == 1


def test_a_report_freezes_referenced_and_latest_messages_and_ends_the_match(
    auth_client, member, other
):
    match = make_match(member.user, other.user)
    sent = [
        send(member.user if number % 2 else other.user, match, f"message number {number}").message
        for number in range(1, 26)
    ]
    pointed_at = [sent[2], sent[9]]

    response = auth_client.post(
        REPORTS, report_body(other, message_ids=[str(message.pk) for message in pointed_at])
    )

    assert response.status_code == 201
    evidence = Evidence.objects.get()
    assert [row["body"] for row in evidence.referenced_messages] == [
        "message number 3",
        "message number 10",
    ]
    assert evidence.referenced_messages[0]["sender_id"] == str(member.pk)
    assert evidence.referenced_messages[1]["sender_id"] == str(other.pk)
    assert [row["seq"] for row in evidence.recent_messages] == list(range(6, 26))
    assert evidence.recent_messages[-1]["body"] == "message number 25"
    # Reporting blocked, and the block ended the match (matching's receiver).
    match.refresh_from_db()
    assert match.state == MatchState.UNMATCHED


def test_messages_of_another_conversation_are_refused_and_nothing_is_written(
    auth_client, member, other
):
    third = make_complete(UserFactory(), gender="woman", interested_in=["man"])
    make_match(member.user, other.user)
    elsewhere = send(third.user, make_match(member.user, third.user), "not with other").message

    response = auth_client.post(REPORTS, report_body(other, message_ids=[str(elsewhere.pk)]))

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_message_ids"
    assert response.json()["extra"]["unknown"] == [str(elsewhere.pk)]
    assert Report.objects.count() == 0
    assert Evidence.objects.count() == 0
    assert Block.objects.count() == 0
    assert (
        Match.objects.get(
            user_low_id__in=[member.pk, other.pk], user_high_id__in=[member.pk, other.pk]
        ).state
        == MatchState.ACTIVE
    )


def test_message_ids_without_any_conversation_are_refused(auth_client, member, other):
    response = auth_client.post(
        REPORTS, report_body(other, message_ids=["00000000-0000-0000-0000-000000000001"])
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_message_ids"
    assert Report.objects.count() == 0
    assert Block.objects.count() == 0


def test_reporting_the_same_person_again_adds_to_the_open_report(auth_client, member, other):
    first = auth_client.post(REPORTS, report_body(other, reason="spam_or_scam", details="Links."))
    second = auth_client.post(
        REPORTS, report_body(other, reason="harassment", details="Then rude.")
    )
    third = auth_client.post(REPORTS, report_body(other, reason="spam_or_scam", details="Again."))

    assert first.status_code == 201
    assert second.status_code == 200
    assert third.status_code == 200
    assert first.json()["id"] == second.json()["id"] == third.json()["id"]
    report = Report.objects.get()
    assert report.submission_count == 3
    assert report.reasons == ["spam_or_scam", "harassment"]
    assert report.reason == "harassment"  # the most serious one leads
    assert [item.details for item in report.evidence.order_by("created_at")] == [
        "Links.",
        "Then rude.",
        "Again.",
    ]
    assert Block.objects.count() == 1


def test_a_new_report_after_the_first_was_closed_opens_another(auth_client, member, other):
    auth_client.post(REPORTS, report_body(other))
    Report.objects.update(status=ReportStatus.DISMISSED, resolved_at=timezone.now())

    response = auth_client.post(REPORTS, report_body(other))

    assert response.status_code == 201
    assert Report.objects.count() == 2
    assert Report.objects.filter(status=ReportStatus.OPEN).count() == 1


def test_reports_of_the_same_person_by_different_people_stay_apart(auth_client, member, other):
    second_reporter = make_complete(UserFactory(), gender="man", interested_in=["woman"])

    auth_client.post(REPORTS, report_body(other))
    report_create(reporter=second_reporter.user, user_id=other.pk, reason="fake_profile")

    assert Report.objects.filter(reported_id=other.pk).count() == 2


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"reason": "harassment"}, 400, "validation_error"),
        ({"user_id": "SELF", "reason": "harassment"}, 400, "cannot_report_self"),
        ({"user_id": "OTHER", "reason": "ugly"}, 400, "validation_error"),
        ({"user_id": "00000000-0000-0000-0000-000000000000", "reason": "other"}, 404, "not_found"),
        ({"user_id": "OTHER", "reason": "other", "message_ids": "nope"}, 400, "validation_error"),
        ({"user_id": "OTHER", "reason": "other", "details": "x" * 2001}, 400, "validation_error"),
    ],
)
def test_bad_reports_are_refused_and_write_nothing(auth_client, member, other, body, status, code):
    replacements = {"SELF": str(member.pk), "OTHER": str(other.pk)}
    if "user_id" in body:
        body = {**body, "user_id": replacements.get(body["user_id"], body["user_id"])}

    response = auth_client.post(REPORTS, body)

    assert response.status_code == status
    assert response.json()["code"] == code
    assert Report.objects.count() == 0
    assert Evidence.objects.count() == 0
    assert Block.objects.count() == 0


def test_the_reporter_never_sees_evidence_or_priority(auth_client, member, other):
    make_match(member.user, other.user)

    body = auth_client.post(REPORTS, report_body(other)).json()

    assert "priority" not in body
    assert "evidence" not in body
    raw = str(body)
    assert "Ask me about my plants" not in raw


def test_reports_are_rate_limited_per_reporter(auth_client, member):
    people = [make_complete(UserFactory()) for _ in range(3)]
    with override_settings(KINDRED_THROTTLES={"report_user": "2/3600"}):
        statuses = [auth_client.post(REPORTS, report_body(person)).status_code for person in people]
        refused = auth_client.post(REPORTS, report_body(people[2]))

    assert statuses == [201, 201, 429]
    assert refused.json()["code"] == "report_rate_limited"
    assert "Retry-After" in refused.headers
    assert Report.objects.count() == 2
    assert not Block.objects.filter(blocked_id=people[2].pk).exists()


def test_evidence_outlives_the_unmatch_and_the_reported_account(auth_client, member, other):
    match = make_match(member.user, other.user)
    send(other.user, match, "you will regret this")
    auth_client.post(REPORTS, report_body(other))

    other.user.delete()

    report = Report.objects.get()
    assert report.reported_id is None
    evidence = report.evidence.get()
    assert evidence.profile["user_id"] == str(other.pk)
    assert [row["body"] for row in evidence.recent_messages] == ["you will regret this"]


@pytest.mark.django_db(transaction=True)
def test_simultaneous_first_reports_of_a_pair_merge_into_one():
    reporter = UserFactory()
    reported = make_complete(UserFactory())

    results = run_in_threads(
        lambda: report_create(reporter=reporter, user_id=reported.pk, reason="spam_or_scam"), 3
    )

    assert sorted(result.created for result in results) == [False, False, True]
    report = Report.objects.get()
    assert report.submission_count == 3
    assert report.evidence.count() == 3
    assert Block.objects.count() == 1


def _photo_with_files(profile: Profile) -> Photo:
    photo = Photo.objects.create(
        profile=profile, position=1, status=PhotoStatus.READY, moderation_state="approved"
    )
    renditions = {}
    for size in ("small", "medium", "large"):
        name = f"photos/{profile.pk}/{photo.pk}/{size}.webp"
        default_storage.delete(name)
        renditions[size] = default_storage.save(name, ContentFile(f"{size} pixels".encode()))
    Photo.objects.filter(pk=photo.pk).update(renditions=renditions)
    photo.refresh_from_db()
    return photo


def test_reported_photos_are_copied_and_outlive_their_deletion(
    member, other, django_capture_on_commit_callbacks
):
    photo = _photo_with_files(other)
    with django_capture_on_commit_callbacks() as callbacks:
        result = report_create(
            reporter=member.user, user_id=other.pk, reason="inappropriate_photos"
        )
    assert len(callbacks) >= 1  # the copy is scheduled after commit
    evidence = result.report.evidence.get()

    copied = evidence_copy_photos_task(str(evidence.pk))
    again = evidence_copy_photos_task(str(evidence.pk))

    assert copied == 1
    assert again == 0
    evidence.refresh_from_db()
    entry = next(item for item in evidence.profile["photos"] if item["id"] == str(photo.pk))
    assert entry["evidence_copy"] == evidence_copy_name(evidence=evidence, photo_id=str(photo.pk))
    with django_capture_on_commit_callbacks(execute=True):
        photo_delete(user=other.user, photo_id=photo.pk)
    assert not default_storage.exists(photo.renditions["medium"])
    with default_storage.open(entry["evidence_copy"]) as copy:
        assert copy.read() == b"medium pixels"


def test_evidence_is_purged_after_the_retention_period_of_a_closed_report(
    member, other, django_capture_on_commit_callbacks, settings
):
    settings.KINDRED_EVIDENCE_RETENTION_DAYS = 30
    _photo_with_files(other)
    old = report_create(reporter=member.user, user_id=other.pk, reason="other").report
    evidence = old.evidence.get()
    evidence_copy_photos_task(str(evidence.pk))
    evidence.refresh_from_db()
    copies = [p["evidence_copy"] for p in evidence.profile["photos"] if p["evidence_copy"]]
    Report.objects.filter(pk=old.pk).update(
        status=ReportStatus.DISMISSED, resolved_at=timezone.now() - timedelta(days=31)
    )
    recent_reporter = make_complete(UserFactory())
    recent = report_create(reporter=recent_reporter.user, user_id=other.pk, reason="other").report
    Report.objects.filter(pk=recent.pk).update(
        status=ReportStatus.DISMISSED, resolved_at=timezone.now() - timedelta(days=29)
    )
    still_open_reporter = make_complete(UserFactory())
    still_open = report_create(
        reporter=still_open_reporter.user, user_id=other.pk, reason="other"
    ).report
    Report.objects.filter(pk=still_open.pk).update(created_at=timezone.now() - timedelta(days=400))

    with django_capture_on_commit_callbacks(execute=True):
        purged = evidence_purge_expired()
    again = evidence_purge_expired()

    assert (purged, again) == (1, 0)
    assert not Evidence.objects.filter(report=old).exists()
    assert Report.objects.get(pk=old.pk).evidence_purged_at is not None
    assert Evidence.objects.filter(report=recent).exists()
    assert Evidence.objects.filter(report=still_open).exists()
    assert copies
    assert not any(default_storage.exists(name) for name in copies)
