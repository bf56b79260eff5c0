"""Account deletion: DELETE /me hides the account at once, signing in during the grace
period cancels, and the erasure job then removes the person's data — every stored object
in S3 (moto's server) and every row but the kept moderation evidence. A second run is
harmless."""

from datetime import timedelta
from typing import Any

import pytest
from django.apps import apps
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.deletion_services import account_erase, accounts_due_for_erasure
from accounts.models import User
from accounts.tasks import erase_account_task, erase_due_accounts_task, send_deletion_scheduled_task
from accounts.tests.conftest import queued, totp_code
from accounts.tests.factories import UserFactory
from accounts.tests.world import build_world
from accounts.tokens import token_pair_for_user
from chat.models import Conversation, Message
from conftest import PASSWORD
from core.redis import get_redis
from discovery.deck_store import deck_key, deck_served_key
from matching.models import Match, MatchState
from moderation.models import AuditEntry, Evidence, Report, Sanction
from notifications.models import Notification
from profiles.models import Profile
from profiles.tests.factories import make_complete

pytestmark = pytest.mark.django_db

ME = "/api/v1/me"
LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/refresh"


def bearer(access: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def past_grace(user: User, settings: Any) -> None:
    """As if the deletion had been asked for just over the grace period ago."""
    days = settings.KINDRED_ACCOUNT_DELETION_GRACE_DAYS
    User.objects.filter(pk=user.pk).update(
        deletion_requested_at=timezone.now() - timedelta(days=days, minutes=1)
    )


def rows_pointing_at(user_id: Any) -> dict[str, int]:
    """Every row of every table whose foreign key points at the user or their profile."""
    found = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy:
            continue
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model in (User, Profile):
                count = model._base_manager.filter(**{field.attname: user_id}).count()
                if count:
                    found[f"{model._meta.label}.{field.name}"] = count
    return found


# --- the request ---------------------------------------------------------------------------


def test_delete_with_a_wrong_password_changes_nothing(user, django_capture_on_commit_callbacks):
    tokens = token_pair_for_user(user)

    with django_capture_on_commit_callbacks() as callbacks:
        response = bearer(tokens.access).delete(ME, {"password": "wrong-password-1"})

    assert response.status_code == 400
    assert response.json()["code"] == "wrong_password"
    user.refresh_from_db()
    assert user.is_active
    assert user.deletion_requested_at is None
    assert bearer(tokens.access).get(ME).status_code == 200
    assert callbacks == []


def test_delete_hides_the_account_at_once(
    django_capture_on_commit_callbacks, mailoutbox, socket_of
):
    user = make_complete(UserFactory(password=PASSWORD)).user
    assert Profile.objects.get(pk=user.pk).is_discoverable
    tokens = token_pair_for_user(user)
    sockets = socket_of(user.pk)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = bearer(tokens.access).delete(ME, {"password": PASSWORD})

    assert response.status_code == 202
    user.refresh_from_db()
    assert user.is_active is False
    assert user.deletion_requested_at is not None
    assert response.json()["erase_after"] == (
        user.deletion_requested_at + timedelta(days=7)
    ).isoformat().replace("+00:00", "Z")
    # Tokens are refused, the profile left discovery, open sockets are told to close.
    assert bearer(tokens.access).get(ME).status_code == 401
    assert APIClient().post(REFRESH, {"refresh": tokens.refresh}).status_code == 401
    assert Profile.objects.get(pk=user.pk).is_discoverable is False
    assert sockets.messages(1) == [{"type": "realtime.close", "code": 4403}]
    # An email tells when the erasure happens and how to cancel it.
    [(user_id,)] = queued(callbacks, send_deletion_scheduled_task)
    assert send_deletion_scheduled_task(user_id) is True
    [message] = mailoutbox
    assert message.subject == "Your Kindred account will be deleted"
    assert "sign in" in message.body


def test_delete_needs_authentication(api_client, user):
    response = api_client.delete(ME, {"password": PASSWORD})

    assert response.status_code == 401
    user.refresh_from_db()
    assert user.is_active


# --- cancelling by signing in ------------------------------------------------------------------


def test_signing_in_during_the_grace_period_cancels_the_deletion(
    django_capture_on_commit_callbacks,
):
    user = make_complete(UserFactory(password=PASSWORD)).user
    bearer(token_pair_for_user(user).access).delete(ME, {"password": PASSWORD})

    wrong = APIClient().post(LOGIN, {"email": user.email, "password": "wrong-password-1"})
    assert wrong.status_code == 401
    assert wrong.json()["code"] == "invalid_credentials"
    assert User.objects.get(pk=user.pk).deletion_requested_at is not None

    response = APIClient().post(LOGIN, {"email": user.email, "password": PASSWORD})

    assert response.status_code == 200
    assert response.json()["deletion_cancelled"] is True
    user.refresh_from_db()
    assert user.is_active
    assert user.deletion_requested_at is None
    assert Profile.objects.get(pk=user.pk).is_discoverable is True
    assert bearer(response.json()["access"]).get(ME).status_code == 200
    # The job finds nothing to erase, even once the grace period would have passed.
    assert accounts_due_for_erasure() == []
    assert account_erase(user_id=user.pk) is False
    assert User.objects.get(pk=user.pk).email == user.email


def test_with_mfa_on_cancelling_needs_the_code_too(away_from_step_edge):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = UserFactory(password=PASSWORD)
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    bearer(token_pair_for_user(user).access).delete(ME, {"password": PASSWORD})

    missing = APIClient().post(LOGIN, {"email": user.email, "password": PASSWORD})
    assert missing.status_code == 401
    assert missing.json()["code"] == "mfa_required"
    assert User.objects.get(pk=user.pk).deletion_requested_at is not None

    response = APIClient().post(
        LOGIN, {"email": user.email, "password": PASSWORD, "otp": totp_code(device)}
    )
    assert response.status_code == 200
    assert response.json()["deletion_cancelled"] is True


def test_a_banned_account_waiting_for_deletion_cannot_sign_in_to_cancel(user):
    bearer(token_pair_for_user(user).access).delete(ME, {"password": PASSWORD})
    User.objects.filter(pk=user.pk).update(banned_at=timezone.now())

    response = APIClient().post(LOGIN, {"email": user.email, "password": PASSWORD})

    assert response.status_code == 403
    assert response.json()["code"] == "account_banned"
    assert User.objects.get(pk=user.pk).deletion_requested_at is not None


def test_erasure_waits_for_the_grace_period(user, settings):
    bearer(token_pair_for_user(user).access).delete(ME, {"password": PASSWORD})

    assert accounts_due_for_erasure() == []
    assert erase_account_task(str(user.pk)) is False
    assert User.objects.get(pk=user.pk).email == user.email

    past_grace(user, settings)
    assert accounts_due_for_erasure() == [user.pk]
    assert erase_due_accounts_task() == 1


def test_an_active_account_is_never_erased(user, settings):
    User.objects.filter(pk=user.pk).update(
        deletion_requested_at=timezone.now() - timedelta(days=30)
    )

    assert account_erase(user_id=user.pk) is False
    assert User.objects.get(pk=user.pk).erased_at is None


# --- the erasure ----------------------------------------------------------------------------------


def test_erasure_leaves_no_object_in_s3_and_no_row_but_the_kept_evidence(
    s3_storage, settings, django_capture_on_commit_callbacks
):
    world = build_world()
    user, other = world.user, world.other
    user_id = str(user.pk)
    stored_before = s3_storage.stored()
    assert sum(user_id in key for key in stored_before) >= 9  # 2 photos x 4, selfie, export
    others_objects = [key for key in stored_before if user_id not in key]
    assert others_objects  # the other person's photo
    other_messages = list(
        Message.objects.filter(sender=other).values_list("body", flat=True).order_by("body")
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = bearer(token_pair_for_user(user).access).delete(ME, {"password": PASSWORD})
    assert response.status_code == 202
    past_grace(user, settings)

    with django_capture_on_commit_callbacks(execute=True):
        assert erase_account_task(user_id) is True

    # Storage: nothing of the person is left; everyone else's objects are untouched.
    assert [key for key in s3_storage.stored() if user_id in key] == []
    assert s3_storage.stored() == others_objects
    # Redis: the person's deck is gone.
    assert not get_redis().exists(deck_key(user.pk), deck_served_key(user.pk))

    # Rows: only the kept evidence and the anonymous anchors point at the person.
    remaining = rows_pointing_at(user.pk)
    assert set(remaining) <= {
        "profiles.Profile.user",  # the blank "Deleted user" shell
        "matching.Match.user_low",  # the other side's ended match
        "matching.Match.user_high",
        "matching.Match.ended_by",
        "moderation.Report.reporter",  # evidence, kept for its retention period
        "moderation.Report.reported",
        "moderation.Sanction.user",
        "moderation.AuditEntry.actor",
        "matching.AbuseFlag.user",  # open flags only, evidence for a pending review
        "chat.ChatFlag.user",
    }, remaining
    assert remaining["profiles.Profile.user"] == 1
    assert Report.objects.filter(reporter=user).count() == 1
    assert Report.objects.filter(reported=user).count() == 1
    assert Evidence.objects.filter(details="OTHER-REPORT-ABOUT-USER").count() == 1
    assert Sanction.objects.filter(user=user).count() == 1
    assert AuditEntry.objects.filter(subject_user_id=user.pk).count() == 1
    assert remaining["matching.AbuseFlag.user"] == 1  # open: still evidence
    assert "chat.ChatFlag.user" not in remaining  # reviewed: gone

    # The account row is an anonymous anchor.
    erased = User.objects.get(pk=user.pk)
    assert erased.email == f"erased-{user.pk.hex}@erased.invalid"
    assert erased.phone is None
    assert not erased.has_usable_password()
    assert erased.erased_at is not None
    assert not erased.is_active
    assert (
        APIClient().post(LOGIN, {"email": "robin@example.com", "password": PASSWORD}).json()["code"]
        == "invalid_credentials"
    )
    # The profile is an empty shell: the other side sees a "Deleted user".
    shell = Profile.objects.get(pk=user.pk)
    assert shell.display_name == "Deleted user"
    assert (shell.bio, shell.birth_date, shell.latitude, shell.city) == ("", None, None, "")
    assert shell.is_discoverable is False
    # The match ended as deleted; the conversation is closed; the other side keeps their
    # own messages, the person's are gone, and so are notifications about the person.
    match = Match.objects.get(pk=world.match.pk)
    assert (match.state, match.ended_by_id) == (MatchState.DELETED, user.pk)
    assert Conversation.objects.get(pk=match.pk).closed_at is not None
    assert not Message.objects.filter(sender=user).exists()
    assert (
        list(Message.objects.filter(sender=other).values_list("body", flat=True).order_by("body"))
        == other_messages
    )
    assert not Notification.objects.filter(data__sender_id=user_id).exists()

    # A second run is harmless.
    with django_capture_on_commit_callbacks(execute=True):
        assert erase_account_task(user_id) is False
    assert rows_pointing_at(user.pk) == remaining
    assert s3_storage.stored() == others_objects
    assert User.objects.get(pk=user.pk).erased_at == erased.erased_at


def test_erasure_on_disk_storage_removes_the_persons_folders(
    local_storage, settings, django_capture_on_commit_callbacks
):
    world = build_world()
    user = world.user
    assert (local_storage / "photos" / str(user.pk)).exists()
    bearer(token_pair_for_user(user).access).delete(ME, {"password": PASSWORD})
    past_grace(user, settings)

    with django_capture_on_commit_callbacks(execute=True):
        assert account_erase(user_id=user.pk) is True

    leftovers = [path for path in local_storage.rglob("*") if str(user.pk) in str(path)]
    assert leftovers == []
    assert (local_storage / "photos" / str(world.other.pk)).exists()


def test_the_erasure_job_is_on_the_beat_schedule():
    from config.celery import app

    entry = app.conf.beat_schedule["accounts.erase_due_accounts"]

    assert entry["task"] == erase_due_accounts_task.name == "accounts.erase_due_accounts"
    assert erase_account_task.name in app.tasks


def test_a_sign_in_that_loses_the_race_to_the_erasure_is_refused(user, settings):
    from accounts.services import _deletion_cancel
    from core.exceptions import AuthenticationRequired

    bearer(token_pair_for_user(user).access).delete(ME, {"password": PASSWORD})
    signing_in = User.objects.get(pk=user.pk)  # read by the sign-in before the job ran
    past_grace(user, settings)
    assert account_erase(user_id=user.pk) is True

    with pytest.raises(AuthenticationRequired) as refused:
        _deletion_cancel(signing_in)

    assert refused.value.code == "invalid_credentials"
    erased = User.objects.get(pk=user.pk)
    assert erased.is_active is False
    assert erased.erased_at is not None
