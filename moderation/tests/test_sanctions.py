"""Sanctions take effect at once and are explained to the person; suspensions end on time;
each is appealable once, before a second moderator; every decision is audited."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tests.factories import UserFactory
from accounts.tokens import token_pair_for_user
from core.exceptions import Conflict, NotFound, PermissionDenied, ValidationFailed
from core.realtime import CLOSE_FORBIDDEN
from discovery.visibility import viewer_can_see
from moderation.models import (
    Appeal,
    AppealStatus,
    AuditAction,
    AuditEntry,
    Report,
    ReportStatus,
    Sanction,
    SanctionKind,
    SanctionStatus,
)
from moderation.sanction_services import (
    appeal_create,
    appeal_decide,
    report_resolve,
    sanction_apply,
    sanctions_end_expired_suspensions,
)
from moderation.services import report_create
from moderation.signals import user_restricted
from moderation.tests.conftest import client_for
from notifications.models import Notification
from profiles.models import ModerationState, Profile, PromptAnswer, VerificationRequest
from profiles.services import verification_review
from profiles.tests.factories import add_approved_photo, make_complete
from profiles.tests.quiz_factories import PromptFactory

pytestmark = pytest.mark.django_db

POLICY = "Harassing other members is not allowed."


@pytest.fixture
def restricted_signals() -> Any:
    received: list[dict[str, Any]] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        received.append({"user_id": kwargs["user_id"], "until": kwargs["until"]})

    user_restricted.connect(receiver, weak=False, dispatch_uid="test_sanctions")
    yield received
    user_restricted.disconnect(dispatch_uid="test_sanctions")


def ban(moderator: User, person: User, **kwargs: Any) -> Sanction:
    return sanction_apply(
        moderator=moderator,
        user_id=person.pk,
        kind=SanctionKind.BAN,
        policy_reason=POLICY,
        note="Three reports with screenshots.",
        **kwargs,
    )


# --- bans and suspensions -------------------------------------------------------------------


def test_a_ban_refuses_tokens_closes_sockets_and_hides_the_person_at_once(
    moderator, member, other, django_capture_on_commit_callbacks, restricted_signals, socket_of
):
    banned_client = client_for(other.user)
    refresh = token_pair_for_user(other.user).refresh
    assert banned_client.get("/api/v1/profile").status_code == 200
    assert viewer_can_see(member, other.pk)
    sockets = socket_of(other.pk)

    with django_capture_on_commit_callbacks(execute=True):
        sanction = ban(moderator, other.user)

    assert sockets.messages(1) == [{"type": "realtime.close", "code": CLOSE_FORBIDDEN}]
    refused = banned_client.get("/api/v1/profile")
    assert refused.status_code == 401
    assert refused.json()["code"] == "token_revoked"
    again = APIClient().post("/api/v1/auth/refresh", {"refresh": refresh})
    assert again.status_code == 401
    login = APIClient().post(
        "/api/v1/auth/login", {"email": other.user.email, "password": "correct-horse-42"}
    )
    assert login.status_code == 403
    assert login.json()["code"] == "account_banned"
    assert not Profile.objects.get(pk=other.pk).is_discoverable
    assert not viewer_can_see(member, other.pk)
    assert restricted_signals == [{"user_id": other.pk, "until": None}]
    notice = Notification.objects.get(user_id=other.pk)
    assert notice.kind == "moderation_notice"
    assert notice.title == "Your account has been banned"
    assert POLICY in notice.body
    assert notice.data["sanction_id"] == str(sanction.pk)
    entry = AuditEntry.objects.get(action=AuditAction.SANCTION_APPLIED)
    assert (entry.actor_id, entry.target_id, entry.subject_user_id) == (
        moderator.pk,
        str(sanction.pk),
        other.pk,
    )
    assert entry.reason == "Three reports with screenshots."


def test_a_suspension_lasts_the_given_days_then_the_beat_job_lifts_it(
    moderator, member, other, django_capture_on_commit_callbacks, restricted_signals
):
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        sanction = sanction_apply(
            moderator=moderator,
            user_id=other.pk,
            kind=SanctionKind.SUSPENSION,
            policy_reason=POLICY,
            days=3,
        )

    user = User.objects.get(pk=other.pk)
    assert before + timedelta(days=3) <= user.suspended_until <= timezone.now() + timedelta(days=3)
    assert restricted_signals == [{"user_id": other.pk, "until": sanction.ends_at}]
    login = APIClient().post(
        "/api/v1/auth/login", {"email": user.email, "password": "correct-horse-42"}
    )
    assert login.json()["code"] == "account_suspended"
    assert not viewer_can_see(member, other.pk)
    assert sanctions_end_expired_suspensions() == 0  # not yet

    with django_capture_on_commit_callbacks(execute=True):
        ended = sanctions_end_expired_suspensions(now=sanction.ends_at + timedelta(seconds=1))
    again = sanctions_end_expired_suspensions(now=sanction.ends_at + timedelta(seconds=1))

    assert (ended, again) == (1, 0)
    user.refresh_from_db()
    assert user.suspended_until is None
    sanction.refresh_from_db()
    assert sanction.status == SanctionStatus.ENDED
    assert Profile.objects.get(pk=other.pk).is_discoverable
    assert viewer_can_see(member, other.pk)
    assert Notification.objects.filter(user_id=other.pk, title="Your suspension has ended").exists()
    ended_entry = AuditEntry.objects.get(action=AuditAction.SANCTION_ENDED)
    assert ended_entry.actor_id is None
    assert ended_entry.target_id == str(sanction.pk)


def test_the_end_of_a_suspension_keeps_a_later_ban(moderator, other):
    suspension = sanction_apply(
        moderator=moderator,
        user_id=other.pk,
        kind=SanctionKind.SUSPENSION,
        policy_reason=POLICY,
        days=1,
    )
    ban(moderator, other.user)

    sanctions_end_expired_suspensions(now=suspension.ends_at + timedelta(seconds=1))

    user = User.objects.get(pk=other.pk)
    assert user.banned_at is not None
    assert not Profile.objects.get(pk=other.pk).is_discoverable


@pytest.mark.parametrize("days", [0, -1, 366, None])
def test_a_suspension_needs_a_sensible_number_of_days(moderator, other, days):
    with pytest.raises(ValidationFailed) as refused:
        sanction_apply(
            moderator=moderator,
            user_id=other.pk,
            kind=SanctionKind.SUSPENSION,
            policy_reason=POLICY,
            days=days,
        )

    assert refused.value.code == "invalid_sanction"
    assert Sanction.objects.count() == 0
    assert AuditEntry.objects.count() == 0
    assert User.objects.get(pk=other.pk).suspended_until is None


# --- the other sanctions --------------------------------------------------------------------


def test_a_warning_is_a_notice_and_nothing_else(
    moderator, member, other, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sanction_apply(
            moderator=moderator,
            user_id=other.pk,
            kind=SanctionKind.WARNING,
            policy_reason="Please keep conversations respectful.",
        )

    notice = Notification.objects.get(user_id=other.pk)
    assert notice.title == "A warning about your account"
    assert notice.body == "Please keep conversations respectful."
    assert viewer_can_see(member, other.pk)
    assert client_for(other.user).get("/api/v1/profile").status_code == 200


def test_requiring_verification_hides_the_profile_until_a_selfie_is_approved(
    moderator, second_moderator, member, other, django_capture_on_commit_callbacks
):
    Profile.objects.filter(pk=other.pk).update(is_verified=True, verified_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        sanction = sanction_apply(
            moderator=moderator,
            user_id=other.pk,
            kind=SanctionKind.VERIFICATION_REQUIRED,
            policy_reason="We need to check that this profile is really you.",
        )

    profile = Profile.objects.get(pk=other.pk)
    assert not profile.is_verified
    assert not profile.is_discoverable
    assert not viewer_can_see(member, other.pk)
    attempt = VerificationRequest.objects.create(
        profile=profile,
        pose="wave",
        status="pending",
        challenge_expires_at=timezone.now() + timedelta(minutes=5),
        submitted_at=timezone.now(),
    )

    with django_capture_on_commit_callbacks(execute=True):
        verification_review(request_id=attempt.pk, moderator=second_moderator, is_approved=True)

    sanction.refresh_from_db()
    assert sanction.status == SanctionStatus.ENDED
    profile.refresh_from_db()
    assert profile.is_verified
    assert profile.is_discoverable
    assert viewer_can_see(member, other.pk)
    assert AuditEntry.objects.filter(
        action=AuditAction.SANCTION_ENDED, actor=second_moderator, target_id=str(sanction.pk)
    ).exists()


def test_removing_a_photo_rejects_it_and_an_overturn_restores_it(
    moderator, second_moderator, other, django_capture_on_commit_callbacks
):
    photo = add_approved_photo(other, position=1)
    with django_capture_on_commit_callbacks(execute=True):
        sanction = sanction_apply(
            moderator=moderator,
            user_id=other.pk,
            kind=SanctionKind.PHOTO_REMOVED,
            policy_reason="Photos must show you; this one shows someone else.",
            photo_id=photo.pk,
        )

    photo.refresh_from_db()
    assert photo.moderation_state == ModerationState.REJECTED
    assert sanction.removed_content == {"photo_id": str(photo.pk)}
    appeal = appeal_create(user=other.user, sanction_id=sanction.pk, message="It is me!")

    appeal_decide(
        appeal_id=appeal.pk, moderator=second_moderator, is_upheld=False, note="You are right."
    )

    photo.refresh_from_db()
    assert photo.moderation_state == ModerationState.APPROVED


def test_removing_the_bio_clears_it_keeps_it_on_the_sanction_and_an_overturn_restores_it(
    moderator, second_moderator, other
):
    sanction = sanction_apply(
        moderator=moderator,
        user_id=other.pk,
        kind=SanctionKind.TEXT_REMOVED,
        policy_reason="Profiles may not advertise.",
        field="bio",
    )

    assert Profile.objects.get(pk=other.pk).bio == ""
    assert sanction.removed_content == {"field": "bio", "text": "Ask me about my plants"}
    appeal = appeal_create(user=other.user, sanction_id=sanction.pk)
    appeal_decide(appeal_id=appeal.pk, moderator=second_moderator, is_upheld=False, note="OK.")
    assert Profile.objects.get(pk=other.pk).bio == "Ask me about my plants"


def test_removing_a_prompt_answer_deletes_it_and_an_overturn_puts_it_back(
    moderator, second_moderator, other
):
    prompt = PromptFactory()
    answer = PromptAnswer.objects.create(profile=other, prompt=prompt, answer="Call 555-0100")

    sanction = sanction_apply(
        moderator=moderator,
        user_id=other.pk,
        kind=SanctionKind.TEXT_REMOVED,
        policy_reason="No phone numbers in profiles.",
        field="prompt_answer",
        prompt_answer_id=answer.pk,
    )

    assert not PromptAnswer.objects.filter(pk=answer.pk).exists()
    assert sanction.removed_content["text"] == "Call 555-0100"
    appeal = appeal_create(user=other.user, sanction_id=sanction.pk)
    appeal_decide(appeal_id=appeal.pk, moderator=second_moderator, is_upheld=False, note="OK.")
    assert PromptAnswer.objects.get(profile=other, prompt=prompt).answer == "Call 555-0100"


@pytest.mark.parametrize(
    ("arguments", "error", "code"),
    [
        ({"kind": "ban", "policy_reason": "  "}, ValidationFailed, "policy_reason_required"),
        ({"kind": "shame", "policy_reason": POLICY}, ValidationFailed, "invalid_sanction"),
        ({"kind": "photo_removed", "policy_reason": POLICY}, NotFound, "not_found"),
        (
            {"kind": "photo_removed", "policy_reason": POLICY, "photo_id": "OTHER_PERSON_PHOTO"},
            NotFound,
            "not_found",
        ),
        (
            {"kind": "text_removed", "policy_reason": POLICY, "field": "email"},
            ValidationFailed,
            "invalid_sanction",
        ),
        (
            {"kind": "text_removed", "policy_reason": POLICY, "field": "prompt_answer"},
            NotFound,
            "not_found",
        ),
    ],
)
def test_bad_sanctions_are_refused_and_change_nothing(moderator, other, arguments, error, code):
    stranger_photo = add_approved_photo(make_complete(UserFactory()), position=1)
    if arguments.get("photo_id") == "OTHER_PERSON_PHOTO":
        arguments = {**arguments, "photo_id": stranger_photo.pk}

    with pytest.raises(error) as refused:
        sanction_apply(moderator=moderator, user_id=other.pk, **arguments)

    assert refused.value.code == code
    assert Sanction.objects.count() == 0
    assert AuditEntry.objects.count() == 0
    assert Notification.objects.count() == 0
    assert User.objects.get(pk=other.pk).banned_at is None
    assert stranger_photo.__class__.objects.get(pk=stranger_photo.pk).moderation_state == "approved"


def test_only_moderators_may_sanction_and_nobody_themselves(moderator, member, other):
    staff_without_group = UserFactory(is_staff=True)
    with pytest.raises(PermissionDenied) as not_staff:
        ban(member.user, other.user)
    with pytest.raises(PermissionDenied) as no_permission:
        ban(staff_without_group, other.user)
    with pytest.raises(ValidationFailed) as themselves:
        ban(moderator, moderator)

    assert not_staff.value.code == no_permission.value.code == "not_a_moderator"
    assert themselves.value.code == "cannot_sanction_self"
    assert Sanction.objects.count() == 0
    assert AuditEntry.objects.count() == 0
    assert User.objects.get(pk=other.pk).banned_at is None


# --- resolving reports ----------------------------------------------------------------------


def test_dismissing_a_report_needs_a_note_and_is_audited(
    moderator, member, other, django_capture_on_commit_callbacks
):
    report = report_create(reporter=member.user, user_id=other.pk, reason="other").report
    with pytest.raises(ValidationFailed):
        report_resolve(report_id=report.pk, moderator=moderator, action="dismiss", note=" ")
    assert Report.objects.get(pk=report.pk).status == ReportStatus.OPEN

    with django_capture_on_commit_callbacks(execute=True):
        report_resolve(
            report_id=report.pk, moderator=moderator, action="dismiss", note="A joke, not abuse."
        )

    report.refresh_from_db()
    assert (report.status, report.resolved_by, report.resolution_note) == (
        ReportStatus.DISMISSED,
        moderator,
        "A joke, not abuse.",
    )
    entry = AuditEntry.objects.get(action=AuditAction.REPORT_DISMISSED)
    assert (entry.target_id, entry.reason) == (str(report.pk), "A joke, not abuse.")
    assert Sanction.objects.count() == 0
    reviewed = Notification.objects.get(user_id=member.pk)
    assert reviewed.title == "We reviewed your report"
    assert not Notification.objects.filter(user_id=other.pk).exists()
    with pytest.raises(Conflict) as closed:
        report_resolve(report_id=report.pk, moderator=moderator, action="dismiss", note="Again.")
    assert closed.value.code == "report_closed"


def test_a_ban_from_a_report_closes_every_open_report_about_the_person(moderator, member, other):
    first = report_create(reporter=member.user, user_id=other.pk, reason="harassment").report
    second = report_create(
        reporter=make_complete(UserFactory()).user, user_id=other.pk, reason="spam_or_scam"
    ).report

    report_resolve(report_id=first.pk, moderator=moderator, action="ban", policy_reason=POLICY)

    sanction = Sanction.objects.get()
    for report in (first, second):
        report.refresh_from_db()
        assert (report.status, report.sanction) == (ReportStatus.ACTIONED, sanction)
    assert User.objects.get(pk=other.pk).banned_at is not None


def test_a_moderator_cannot_decide_a_report_they_are_part_of(moderator, other):
    report = report_create(reporter=moderator, user_id=other.pk, reason="other").report

    with pytest.raises(PermissionDenied) as refused:
        report_resolve(report_id=report.pk, moderator=moderator, action="ban", policy_reason=POLICY)

    assert refused.value.code == "own_report"
    assert Report.objects.get(pk=report.pk).status == ReportStatus.OPEN
    assert Sanction.objects.count() == 0


# --- what the person sees, and appeals ------------------------------------------------------

SANCTIONS = "/api/v1/moderation/sanctions"


def test_my_sanctions_list_shows_the_policy_reason_and_never_internal_notes(
    moderator, member, other, auth_client
):
    ban(moderator, other.user)  # someone else's
    sanction_apply(
        moderator=moderator,
        user_id=member.pk,
        kind=SanctionKind.WARNING,
        policy_reason="Please keep conversations respectful.",
        note="internal: borderline",
    )

    response = auth_client.get(SANCTIONS)

    assert response.status_code == 200
    [item] = response.json()["results"]
    assert item["kind"] == "warning"
    assert item["policy_reason"] == "Please keep conversations respectful."
    assert item["can_appeal"] is True
    assert item["appeal"] is None
    raw = response.content.decode()
    assert "borderline" not in raw
    assert moderator.email not in raw


@pytest.mark.parametrize("count", [1, 50])
def test_my_sanctions_list_has_a_fixed_query_count(
    moderator, member, auth_client, count, django_assert_num_queries
):
    for number in range(count):
        sanction = sanction_apply(
            moderator=moderator, user_id=member.pk, kind="warning", policy_reason=f"Rule {number}"
        )
        if number % 2:
            appeal_create(user=member.user, sanction_id=sanction.pk)
    auth_client.get(SANCTIONS)

    with django_assert_num_queries(2):
        response = auth_client.get(SANCTIONS, {"limit": 50})

    assert len(response.json()["results"]) == count


def test_an_appeal_is_accepted_once(moderator, member, auth_client):
    sanction = sanction_apply(
        moderator=moderator, user_id=member.pk, kind="warning", policy_reason=POLICY
    )
    url = f"{SANCTIONS}/{sanction.pk}/appeal"

    first = auth_client.post(url, {"message": "I was defending myself."})
    second = auth_client.post(url, {"message": "Please!"})

    assert first.status_code == 201
    assert first.json()["status"] == "pending"
    assert second.status_code == 409
    assert second.json()["code"] == "already_appealed"
    assert Appeal.objects.get().message == "I was defending myself."
    listed = auth_client.get(SANCTIONS).json()["results"][0]
    assert listed["can_appeal"] is False
    assert listed["appeal"]["status"] == "pending"


def test_appealing_someone_elses_sanction_or_a_late_one_is_refused(
    moderator, member, other, auth_client, settings
):
    theirs = sanction_apply(
        moderator=moderator, user_id=other.pk, kind="warning", policy_reason=POLICY
    )
    mine = sanction_apply(
        moderator=moderator, user_id=member.pk, kind="warning", policy_reason=POLICY
    )
    Sanction.objects.filter(pk=mine.pk).update(
        created_at=timezone.now() - timedelta(days=settings.KINDRED_APPEAL_WINDOW_DAYS + 1)
    )

    not_mine = auth_client.post(f"{SANCTIONS}/{theirs.pk}/appeal", {})
    too_late = auth_client.post(f"{SANCTIONS}/{mine.pk}/appeal", {})

    assert not_mine.status_code == 404
    assert too_late.status_code == 409
    assert too_late.json()["code"] == "appeal_window_closed"
    assert Appeal.objects.count() == 0


def test_the_moderator_who_decided_cannot_review_the_appeal(moderator, second_moderator, other):
    sanction = ban(moderator, other.user)
    appeal = appeal_create(user=other.user, sanction_id=sanction.pk, message="Mistake")

    with pytest.raises(PermissionDenied) as refused:
        appeal_decide(appeal_id=appeal.pk, moderator=moderator, is_upheld=False, note="Oops")

    assert refused.value.code == "own_sanction"
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.PENDING
    assert User.objects.get(pk=other.pk).banned_at is not None


def test_overturning_a_ban_lifts_it_and_tells_the_person(
    moderator, second_moderator, member, other, django_capture_on_commit_callbacks
):
    sanction = ban(moderator, other.user)
    appeal = appeal_create(user=other.user, sanction_id=sanction.pk, message="Mistake")

    with django_capture_on_commit_callbacks(execute=True):
        appeal_decide(
            appeal_id=appeal.pk,
            moderator=second_moderator,
            is_upheld=False,
            note="The screenshots were fake. Sorry.",
        )

    appeal.refresh_from_db()
    sanction.refresh_from_db()
    assert (appeal.status, appeal.decided_by) == (AppealStatus.OVERTURNED, second_moderator)
    assert sanction.status == SanctionStatus.OVERTURNED
    user = User.objects.get(pk=other.pk)
    assert user.banned_at is None
    assert Profile.objects.get(pk=other.pk).is_discoverable
    assert viewer_can_see(member, other.pk)
    login = APIClient().post(
        "/api/v1/auth/login", {"email": user.email, "password": "correct-horse-42"}
    )
    assert login.status_code == 200
    notice = Notification.objects.filter(user_id=other.pk).order_by("-created_at").first()
    assert notice.title == "Your appeal was accepted"
    assert notice.body == "The screenshots were fake. Sorry."
    assert AuditEntry.objects.filter(
        action=AuditAction.APPEAL_OVERTURNED, actor=second_moderator, target_id=str(appeal.pk)
    ).exists()
    with pytest.raises(Conflict):
        appeal_decide(appeal_id=appeal.pk, moderator=second_moderator, is_upheld=True, note="x")


def test_upholding_a_suspension_keeps_it(moderator, second_moderator, other):
    sanction = sanction_apply(
        moderator=moderator, user_id=other.pk, kind="suspension", policy_reason=POLICY, days=7
    )
    appeal = appeal_create(user=other.user, sanction_id=sanction.pk)

    appeal_decide(appeal_id=appeal.pk, moderator=second_moderator, is_upheld=True, note="Fair.")

    assert User.objects.get(pk=other.pk).suspended_until == sanction.ends_at
    sanction.refresh_from_db()
    assert sanction.status == SanctionStatus.ACTIVE
    with pytest.raises(ValidationFailed):
        appeal_decide(appeal_id=appeal.pk, moderator=second_moderator, is_upheld=True, note=" ")


# --- restricted sessions: how banned people appeal ------------------------------------------

SESSION = "/api/v1/moderation/appeal-session"


def test_a_banned_person_reads_their_sanctions_and_appeals_with_a_restricted_session(
    moderator, other
):
    sanction = ban(moderator, other.user)
    anonymous = APIClient()

    session = anonymous.post(SESSION, {"email": other.user.email, "password": "correct-horse-42"})

    assert session.status_code == 201
    restricted = APIClient()
    restricted.credentials(HTTP_AUTHORIZATION=f"Restricted {session.json()['token']}")
    listed = restricted.get(SANCTIONS)
    assert listed.status_code == 200
    assert listed.json()["results"][0]["policy_reason"] == POLICY
    appeal = restricted.post(f"{SANCTIONS}/{sanction.pk}/appeal", {"message": "Not me."})
    assert appeal.status_code == 201
    # Nothing else accepts it.
    assert restricted.get("/api/v1/profile").status_code == 401
    assert (
        restricted.post("/api/v1/moderation/blocks", {"user_id": str(moderator.pk)}).status_code
        == 401
    )


def test_restricted_sessions_are_refused_to_good_standing_and_wrong_passwords(member, other):
    wrong = APIClient().post(SESSION, {"email": other.user.email, "password": "nope-nope-1"})
    fine = APIClient().post(SESSION, {"email": other.user.email, "password": "correct-horse-42"})
    forged = APIClient()
    forged.credentials(HTTP_AUTHORIZATION="Restricted not-a-signed-token")

    assert wrong.status_code == 401
    assert wrong.json()["code"] == "invalid_credentials"
    assert fine.status_code == 409
    assert fine.json()["code"] == "not_restricted"
    assert forged.get(SANCTIONS).status_code == 401


def test_a_restricted_session_dies_with_a_logout_all(moderator, other):
    ban(moderator, other.user)
    token = (
        APIClient()
        .post(SESSION, {"email": other.user.email, "password": "correct-horse-42"})
        .json()["token"]
    )
    User.objects.filter(pk=other.pk).update(token_version=999)
    restricted = APIClient()
    restricted.credentials(HTTP_AUTHORIZATION=f"Restricted {token}")

    assert restricted.get(SANCTIONS).status_code == 401
