"""The moderators' console: what the Moderators group sees and may do, the queues, the
report page with its evidence (audited), decisions through the services, and the TOTP
second factor for staff sign-in when KINDRED_ADMIN_REQUIRE_OTP is on."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from accounts.tests.factories import UserFactory
from chat.tests.factories import make_match, send
from moderation.models import (
    Appeal,
    AppealStatus,
    AuditAction,
    AuditEntry,
    Report,
    ReportStatus,
    Sanction,
    SanctionKind,
)
from moderation.sanction_services import appeal_create, sanction_apply
from moderation.services import report_create
from notifications.models import Notification
from profiles.models import ModerationState, Photo, PhotoStatus, Profile, VerificationRequest
from profiles.tests.factories import add_approved_photo, make_complete

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-42"
REPORTS = "/admin/moderation/report/"
PHOTOS = "/admin/moderation/photoreview/"
VERIFICATIONS = "/admin/moderation/verificationreview/"
APPEALS = "/admin/moderation/appeal/"


def console(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def pending_photo(profile: Profile, position: int = 1) -> Photo:
    return Photo.objects.create(
        profile=profile,
        position=position,
        status=PhotoStatus.READY,
        moderation_state=ModerationState.PENDING,
        renditions={
            s: f"photos/{profile.pk}/p{position}/{s}.webp" for s in ("small", "medium", "large")
        },
    )


# --- who sees what --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        REPORTS,
        PHOTOS,
        VERIFICATIONS,
        APPEALS,
        "/admin/moderation/sanction/",
        "/admin/moderation/auditentry/",
        "/admin/profiles/profile/",
        "/admin/accounts/user/",
    ],
)
def test_moderators_see_the_queues(moderator, path):
    assert console(moderator).get(path).status_code == 200


def test_moderators_cannot_touch_passwords_staff_flags_groups_or_other_apps(moderator, other):
    client = console(moderator)
    user_page = f"/admin/accounts/user/{other.pk}/change/"

    password = client.get(f"/admin/accounts/user/{other.pk}/password/")
    edit = client.post(user_page, {"email": other.user.email, "is_staff": "on"})
    groups = client.get("/admin/auth/group/")
    photos_of_profiles = client.get("/admin/profiles/photo/")
    interests = client.get("/admin/profiles/interest/add/")
    profile_edit = client.post(f"/admin/profiles/profile/{other.pk}/change/", {"bio": "hacked"})

    assert password.status_code == 403
    assert edit.status_code == 403
    assert groups.status_code == 403
    assert photos_of_profiles.status_code == 403
    assert interests.status_code == 403
    assert profile_edit.status_code == 403
    other.user.refresh_from_db()
    assert not other.user.is_staff
    assert Profile.objects.get(pk=other.pk).bio == "Ask me about my plants"


def test_staff_with_user_edit_rights_still_cannot_change_privileges_or_passwords(other):
    from django.contrib.auth.models import Permission

    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_user", "change_user"])
    )
    client = console(User.objects.get(pk=staff.pk))

    page = client.get(f"/admin/accounts/user/{other.pk}/change/")
    password = client.get(f"/admin/accounts/user/{other.pk}/password/")

    form = page.context["adminform"].form
    for name in ("is_staff", "is_superuser", "groups", "user_permissions", "banned_at"):
        assert name not in form.fields, name
    assert password.status_code == 403


def test_superusers_see_everything(moderator):
    root = console(UserFactory(is_staff=True, is_superuser=True))
    for path in (REPORTS, APPEALS, "/admin/auth/group/", "/admin/profiles/photo/"):
        assert root.get(path).status_code == 200


# --- the report queue and page --------------------------------------------------------------


def test_the_report_queue_lists_open_reports_by_priority(moderator, member, other):
    low = report_create(reporter=member.user, user_id=other.pk, reason="other").report
    someone = make_complete(UserFactory(email="reported.two@example.com"))
    high = report_create(reporter=member.user, user_id=someone.pk, reason="underage").report
    closed_person = make_complete(UserFactory(email="closed.case@example.com"))
    closed = report_create(reporter=member.user, user_id=closed_person.pk, reason="underage").report
    Report.objects.filter(pk=closed.pk).update(status=ReportStatus.DISMISSED)

    page = console(moderator).get(REPORTS)

    ids = list(page.context["cl"].result_list.values_list("pk", flat=True))
    assert ids == [high.pk, low.pk]
    everything = console(moderator).get(REPORTS, {"status": "all"})
    assert set(everything.context["cl"].result_list.values_list("pk", flat=True)) == {
        high.pk,
        low.pk,
        closed.pk,
    }
    found = console(moderator).get(REPORTS, {"q": "reported.two"})
    assert list(found.context["cl"].result_list) == [high]


def test_opening_a_report_shows_its_evidence_and_is_audited(moderator, member, other):
    match = make_match(member.user, other.user)
    message = send(other.user, match, "send me money or else").message
    send(member.user, match, "please stop")
    report = report_create(
        reporter=member.user,
        user_id=other.pk,
        reason="harassment",
        details="Threats in chat.",
        message_ids=[message.pk],
    ).report

    page = console(moderator).get(f"{REPORTS}{report.pk}/change/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "Threats in chat." in html
    assert "Ask me about my plants" in html
    assert html.count("send me money or else") == 2  # pointed at, and in the transcript
    assert "please stop" in html
    assert 'id="decision-form"' in html
    entry = AuditEntry.objects.get(action=AuditAction.EVIDENCE_VIEWED)
    assert (entry.actor, entry.target_id, entry.subject_user_id) == (
        moderator,
        str(report.pk),
        other.pk,
    )


def test_deciding_a_ban_on_the_report_page_bans_and_closes_the_report(moderator, member, other):
    report = report_create(reporter=member.user, user_id=other.pk, reason="harassment").report
    client = console(moderator)

    response = client.post(
        f"{REPORTS}{report.pk}/change/",
        {
            "action": "ban",
            "policy_reason": "Threatening other members is not allowed.",
            "note": "Clear threats.",
        },
    )

    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.ACTIONED
    assert report.sanction.kind == SanctionKind.BAN
    assert User.objects.get(pk=other.pk).banned_at is not None
    after = client.get(f"{REPORTS}{report.pk}/change/")
    assert 'id="decision-form"' not in after.content.decode()  # closed: nothing to decide


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"action": "ban"}, "policy_reason"),
        ({"action": "dismiss"}, "note"),
        ({"action": "suspension", "policy_reason": "Rule"}, "days"),
        ({"action": "photo_removed", "policy_reason": "Rule"}, "photo"),
    ],
)
def test_an_incomplete_decision_is_shown_back_and_changes_nothing(
    moderator, member, other, data, field
):
    report = report_create(reporter=member.user, user_id=other.pk, reason="harassment").report

    response = console(moderator).post(f"{REPORTS}{report.pk}/change/", data)

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert Report.objects.get(pk=report.pk).status == ReportStatus.OPEN
    assert Sanction.objects.count() == 0


def test_a_moderator_without_change_rights_can_read_but_not_decide(member, other):
    from django.contrib.auth.models import Permission

    reader = UserFactory(is_staff=True)
    reader.user_permissions.add(Permission.objects.get(codename="view_report"))
    report = report_create(reporter=member.user, user_id=other.pk, reason="harassment").report
    client = console(User.objects.get(pk=reader.pk))

    page = client.get(f"{REPORTS}{report.pk}/change/")
    post = client.post(f"{REPORTS}{report.pk}/change/", {"action": "ban", "policy_reason": "x"})

    assert page.status_code == 200
    assert 'id="decision-form"' not in page.content.decode()
    assert post.status_code == 403
    assert User.objects.get(pk=other.pk).banned_at is None


def test_dismissing_reports_in_bulk_asks_why_first(moderator, member, other):
    report = report_create(reporter=member.user, user_id=other.pk, reason="other").report
    client = console(moderator)
    selection = {"action": "dismiss_reports", "_selected_action": [str(report.pk)]}

    confirm = client.post(REPORTS, selection)
    empty = client.post(REPORTS, {**selection, "apply": "1", "reason": ""})
    done = client.post(REPORTS, {**selection, "apply": "1", "reason": "Not against the rules."})

    assert confirm.status_code == 200
    assert "reason" in confirm.context["form"].fields
    assert empty.status_code == 200
    assert empty.context["form"].errors
    assert done.status_code == 302
    report.refresh_from_db()
    assert (report.status, report.resolution_note) == (
        ReportStatus.DISMISSED,
        "Not against the rules.",
    )
    assert (
        AuditEntry.objects.filter(action=AuditAction.REPORT_DISMISSED, actor=moderator).count() == 1
    )


# --- photos, verifications, appeals ---------------------------------------------------------


def test_the_photo_queue_shows_pending_photos_with_thumbnails(moderator, other):
    waiting = pending_photo(other)

    page = console(moderator).get(PHOTOS)

    assert list(page.context["cl"].result_list.values_list("pk", flat=True)) == [waiting.pk]
    html = page.content.decode()
    assert f'alt="photo {waiting.pk}"' in html
    assert "small.webp" in html


def test_approving_and_rejecting_photos_goes_through_the_services_and_is_audited(
    moderator, other, django_capture_on_commit_callbacks
):
    good = pending_photo(other, 1)
    bad = pending_photo(other, 2)
    client = console(moderator)

    client.post(PHOTOS, {"action": "approve_photos", "_selected_action": [str(good.pk)]})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            PHOTOS,
            {
                "action": "reject_photos",
                "_selected_action": [str(bad.pk)],
                "apply": "1",
                "reason": "Photos must show your face.",
            },
        )

    good.refresh_from_db()
    bad.refresh_from_db()
    assert good.moderation_state == ModerationState.APPROVED
    assert bad.moderation_state == ModerationState.REJECTED
    actions = set(AuditEntry.objects.values_list("action", "target_id"))
    assert actions == {
        (AuditAction.PHOTO_APPROVED, str(good.pk)),
        (AuditAction.PHOTO_REJECTED, str(bad.pk)),
    }
    notice = Notification.objects.get(user_id=other.pk)
    assert notice.body == "Photos must show your face."


def make_attempt(profile: Profile) -> VerificationRequest:
    return VerificationRequest.objects.create(
        profile=profile,
        pose="thumbs_up",
        status="pending",
        challenge_expires_at=timezone.now() + timedelta(minutes=5),
        submitted_at=timezone.now(),
        selfie=f"verification/{profile.pk}/selfie",
    )


def test_the_verification_queue_puts_the_selfie_next_to_the_photos_and_the_pose(moderator, other):
    attempt = make_attempt(other)
    add_approved_photo(other, position=1)

    page = console(moderator).get(VERIFICATIONS)
    detail = console(moderator).get(f"{VERIFICATIONS}{attempt.pk}/change/")

    html = page.content.decode()
    assert list(page.context["cl"].result_list) == [attempt]
    assert 'alt="selfie"' in html
    assert html.count('alt="profile photo') == 2
    assert "Give a thumbs up" in html
    assert 'alt="selfie"' in detail.content.decode()


def test_verifications_are_approved_or_rejected_with_a_note(moderator, other):
    approve = make_attempt(other)
    someone = make_complete(UserFactory())
    reject = make_attempt(someone)
    client = console(moderator)

    client.post(
        VERIFICATIONS, {"action": "approve_verifications", "_selected_action": [str(approve.pk)]}
    )
    client.post(
        VERIFICATIONS,
        {
            "action": "reject_verifications",
            "_selected_action": [str(reject.pk)],
            "apply": "1",
            "reason": "Your face is not visible.",
        },
    )

    approve.refresh_from_db()
    reject.refresh_from_db()
    assert approve.status == "approved"
    assert Profile.objects.get(pk=other.pk).is_verified
    assert (reject.status, reject.review_note) == ("rejected", "Your face is not visible.")
    assert {entry.action for entry in AuditEntry.objects.all()} == {
        AuditAction.VERIFICATION_APPROVED,
        AuditAction.VERIFICATION_REJECTED,
    }


def test_the_appeal_queue_belongs_to_a_second_moderator(moderator, second_moderator, other):
    sanction = sanction_apply(
        moderator=moderator, user_id=other.pk, kind="ban", policy_reason="No threats."
    )
    appeal = appeal_create(user=other.user, sanction_id=sanction.pk, message="Not me.")

    mine = console(moderator).get(APPEALS)
    theirs = console(second_moderator).get(APPEALS)
    attempt = console(moderator).post(
        APPEALS,
        {
            "action": "overturn_appeals",
            "_selected_action": [str(appeal.pk)],
            "apply": "1",
            "reason": "x",
        },
    )

    assert list(mine.context["cl"].result_list) == []
    assert list(theirs.context["cl"].result_list) == [appeal]
    assert attempt.status_code == 302
    assert Appeal.objects.get(pk=appeal.pk).status == AppealStatus.PENDING
    assert User.objects.get(pk=other.pk).banned_at is not None

    console(second_moderator).post(
        APPEALS,
        {
            "action": "overturn_appeals",
            "_selected_action": [str(appeal.pk)],
            "apply": "1",
            "reason": "The evidence does not hold.",
        },
    )

    assert Appeal.objects.get(pk=appeal.pk).status == AppealStatus.OVERTURNED
    assert User.objects.get(pk=other.pk).banned_at is None


# --- the second factor ----------------------------------------------------------------------


def admin_login(client: Client, email: str, **extra: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": email, "password": PASSWORD, **extra},
    )


def test_without_the_otp_setting_staff_sign_in_with_a_password(moderator, settings):
    settings.KINDRED_ADMIN_REQUIRE_OTP = False
    client = Client()

    response = admin_login(client, moderator.email)

    assert response.status_code == 302
    assert response.url == "/admin/"
    assert client.get(REPORTS).status_code == 200


def test_with_the_otp_setting_a_password_alone_is_not_enough(moderator, settings):
    settings.KINDRED_ADMIN_REQUIRE_OTP = True
    TOTPDevice.objects.create(user=moderator, name="phone", confirmed=True)
    client = Client()

    response = admin_login(client, moderator.email)

    assert response.status_code == 200  # the form again, asking for the code
    assert "otp_token" in response.content.decode()
    assert client.get(REPORTS).status_code == 302


def test_with_the_otp_setting_a_valid_code_signs_staff_in(moderator, settings):
    settings.KINDRED_ADMIN_REQUIRE_OTP = True
    device = TOTPDevice.objects.create(user=moderator, name="phone", confirmed=True)
    code = str(totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)).zfill(
        device.digits
    )
    client = Client()

    response = admin_login(client, moderator.email, otp_device=device.persistent_id, otp_token=code)
    # The same code again (replayed), and a wrong one, are refused.
    replayed = admin_login(
        Client(), moderator.email, otp_device=device.persistent_id, otp_token=code
    )
    wrong = admin_login(Client(), moderator.email, otp_device=device.persistent_id, otp_token="0")

    assert response.status_code == 302
    assert response.url == "/admin/"
    assert client.get(REPORTS).status_code == 200
    assert replayed.status_code == 200
    assert wrong.status_code == 200


def test_with_the_otp_setting_a_session_without_the_second_factor_is_turned_away(
    moderator, settings
):
    settings.KINDRED_ADMIN_REQUIRE_OTP = True
    client = console(moderator)  # signed in, but never through the TOTP step

    response = client.get(REPORTS)

    assert response.status_code == 302
    assert re.match(r"^/admin/login/", response.url)


def test_production_settings_require_the_second_factor(settings):
    source = (Path(settings.BASE_DIR) / "config/settings/production.py").read_text()
    assert "KINDRED_ADMIN_REQUIRE_OTP = True" in source
