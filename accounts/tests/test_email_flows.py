"""Email verification, password reset and the new sign-in notice, through Django's email
framework (locmem backend here) with the tasks called directly after commit."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts.email_tokens import reset_token_generator
from accounts.models import LoginDevice, User
from accounts.tasks import (
    forget_stale_login_devices_task,
    send_login_notice_task,
    send_password_changed_task,
    send_password_reset_task,
    send_verification_email_task,
)
from accounts.tests.conftest import link_token, queued
from accounts.tests.factories import UserFactory
from accounts.tokens import token_pair_for_user
from conftest import PASSWORD
from core.testing import run_in_threads

pytestmark = pytest.mark.django_db

SIGNUP = "/api/v1/auth/signup"
LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/refresh"
VERIFY = "/api/v1/auth/email/verify"
VERIFY_RESEND = "/api/v1/auth/email/verify/resend"
RESET = "/api/v1/auth/password/reset"
RESET_CONFIRM = "/api/v1/auth/password/reset/confirm"
ME = "/api/v1/me"
NEW_PASSWORD = "brand-new-secret-77"


def client_from(ip: str, agent: str = "KindredApp/1.0 (iPhone)") -> APIClient:
    return APIClient(REMOTE_ADDR=ip, HTTP_USER_AGENT=agent)


# --- email verification ------------------------------------------------------------------


def test_signup_mails_a_verification_link_that_verifies_the_address(
    django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = client_from("10.0.0.1").post(
            SIGNUP, {"email": "ada@example.com", "password": "lovelace-1815"}
        )
    assert response.status_code == 201
    user = User.objects.get()
    assert queued(callbacks, send_verification_email_task) == [(str(user.pk),)]
    assert mailoutbox == []  # nothing is sent inside the request

    assert send_verification_email_task(str(user.pk)) is True

    [message] = mailoutbox
    assert message.to == ["ada@example.com"]
    assert message.subject == "Confirm your email address for Kindred"
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    token = link_token(message)
    assert token in html
    assert user.email_verified_at is None

    verified = APIClient().post(VERIFY, {"token": token})

    assert verified.status_code == 200
    user.refresh_from_db()
    assert user.email_verified_at is not None
    assert verified.json() == {
        "email": "ada@example.com",
        "email_verified_at": verified.json()["email_verified_at"],
    }
    # A second click changes nothing and still succeeds; no further email once verified.
    again = APIClient().post(VERIFY, {"token": token})
    assert again.status_code == 200
    assert User.objects.get().email_verified_at == user.email_verified_at
    assert send_verification_email_task(str(user.pk)) is False
    assert len(mailoutbox) == 1


@pytest.mark.parametrize("token", ["", "garbage", "a" * 300, "eyJ1c2VyIjoiMSJ9:abc:def"])
def test_forged_verification_tokens_are_refused(user, token):
    response = APIClient().post(VERIFY, {"token": token})

    assert response.status_code == 400
    assert response.json()["code"] in ("invalid_token", "validation_error")
    user.refresh_from_db()
    assert user.email_verified_at is None


def test_expired_verification_token_is_refused(user, settings, mailoutbox):
    send_verification_email_task(str(user.pk))
    token = link_token(mailoutbox[0])
    settings.KINDRED_EMAIL_VERIFICATION_MAX_AGE = -1  # every token is now too old

    response = APIClient().post(VERIFY, {"token": token})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_token"
    user.refresh_from_db()
    assert user.email_verified_at is None


def test_verification_token_for_a_former_address_is_refused(user, mailoutbox):
    send_verification_email_task(str(user.pk))
    token = link_token(mailoutbox[0])
    User.objects.filter(pk=user.pk).update(email="changed@example.com")

    response = APIClient().post(VERIFY, {"token": token})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_token"
    assert User.objects.get(pk=user.pk).email_verified_at is None


def test_resend_verification_queues_an_email_and_refuses_when_verified(
    auth_client, user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = auth_client.post(VERIFY_RESEND)
    assert response.status_code == 202
    assert queued(callbacks, send_verification_email_task) == [(str(user.pk),)]

    User.objects.filter(pk=user.pk).update(email_verified_at=timezone.now())
    with django_capture_on_commit_callbacks() as callbacks:
        refused = auth_client.post(VERIFY_RESEND)
    assert refused.status_code == 409
    assert refused.json()["code"] == "email_already_verified"
    assert queued(callbacks, send_verification_email_task) == []


# --- password reset ------------------------------------------------------------------------


def test_reset_request_answers_the_same_for_known_and_unknown_emails(
    user, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks() as known_callbacks:
        known = APIClient().post(RESET, {"email": user.email.upper()})
    with django_capture_on_commit_callbacks() as unknown_callbacks:
        unknown = APIClient().post(RESET, {"email": "nobody@example.com"})

    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    assert known.headers.get("Content-Length") == unknown.headers.get("Content-Length")
    # The request does the same work either way: one task, given the email; the lookup
    # happens in the task.
    assert queued(known_callbacks, send_password_reset_task) == [(user.email,)]
    assert queued(unknown_callbacks, send_password_reset_task) == [("nobody@example.com",)]
    assert len(known_callbacks) == len(unknown_callbacks)

    assert send_password_reset_task(user.email) is True
    assert send_password_reset_task("nobody@example.com") is False
    [message] = mailoutbox
    assert message.to == [user.email]
    assert message.subject == "Reset your Kindred password"


def request_reset_token(user: User, mailoutbox: list) -> str:
    assert APIClient().post(RESET, {"email": user.email}).status_code == 202
    send_password_reset_task(user.email)
    return link_token(mailoutbox[-1])


def test_reset_link_sets_the_password_once_and_ends_every_session(
    user, mailoutbox, django_capture_on_commit_callbacks
):
    old_pair = token_pair_for_user(user)
    token = request_reset_token(user, mailoutbox)

    with django_capture_on_commit_callbacks() as callbacks:
        response = APIClient().post(RESET_CONFIRM, {"token": token, "password": NEW_PASSWORD})

    assert response.status_code == 204
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert user.email_verified_at is not None  # the link reached the address
    # Every session ended: old access token refused, old refresh token blacklisted.
    old_client = APIClient()
    old_client.credentials(HTTP_AUTHORIZATION=f"Bearer {old_pair.access}")
    assert old_client.get(ME).status_code == 401
    assert APIClient().post(REFRESH, {"refresh": old_pair.refresh}).status_code == 401
    assert not OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True).exists()
    # A notice goes out after commit.
    assert queued(callbacks, send_password_changed_task) == [(str(user.pk),)]
    assert send_password_changed_task(str(user.pk)) is True
    assert mailoutbox[-1].subject == "Your Kindred password was changed"

    second = APIClient().post(RESET_CONFIRM, {"token": token, "password": "another-secret-88"})

    assert second.status_code == 400
    assert second.json()["code"] == "invalid_token"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert (
        APIClient().post(LOGIN, {"email": user.email, "password": NEW_PASSWORD}).status_code == 200
    )


def test_expired_reset_link_is_refused(user, settings):
    settings.PASSWORD_RESET_TIMEOUT = 3600
    two_hours_ago = reset_token_generator._num_seconds(
        reset_token_generator._now() - timedelta(hours=2)
    )
    secret = reset_token_generator._make_token_with_timestamp(
        user, two_hours_ago, reset_token_generator.secret
    )
    from django.utils.http import urlsafe_base64_encode

    token = f"{urlsafe_base64_encode(user.pk.bytes)}.{secret}"
    password_before = user.password

    response = APIClient().post(RESET_CONFIRM, {"token": token, "password": NEW_PASSWORD})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_token"
    user.refresh_from_db()
    assert user.password == password_before


@pytest.mark.parametrize(
    "token", ["nonsense", "abc.def", ".", "AAAAAAAAAAAAAAAAAAAAAA.1-2", "x" * 500]
)
def test_forged_reset_tokens_are_refused(user, token):
    password_before = user.password

    response = APIClient().post(RESET_CONFIRM, {"token": token, "password": NEW_PASSWORD})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_token"
    user.refresh_from_db()
    assert user.password == password_before


def test_a_weak_new_password_is_refused_and_the_link_still_works(user, mailoutbox):
    token = request_reset_token(user, mailoutbox)

    weak = APIClient().post(RESET_CONFIRM, {"token": token, "password": "12345678"})

    assert weak.status_code == 400
    assert weak.json()["code"] == "validation_error"
    assert list(weak.json()["extra"]["fields"]) == ["password"]
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert BlacklistedToken.objects.count() == 0
    good = APIClient().post(RESET_CONFIRM, {"token": token, "password": NEW_PASSWORD})
    assert good.status_code == 204


def test_signing_in_after_the_request_also_kills_the_link(user, mailoutbox):
    token = request_reset_token(user, mailoutbox)
    assert APIClient().post(LOGIN, {"email": user.email, "password": PASSWORD}).status_code == 200

    response = APIClient().post(RESET_CONFIRM, {"token": token, "password": NEW_PASSWORD})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_token"


def test_reset_requests_for_one_email_are_throttled(
    user, settings, django_capture_on_commit_callbacks
):
    settings.KINDRED_THROTTLES = {**settings.KINDRED_THROTTLES, "password_reset_account": "2/3600"}
    for _ in range(2):
        assert APIClient().post(RESET, {"email": user.email}).status_code == 202

    with django_capture_on_commit_callbacks() as callbacks:
        third = APIClient().post(RESET, {"email": user.email})

    assert third.status_code == 429
    assert int(third.headers["Retry-After"]) > 0
    assert queued(callbacks, send_password_reset_task) == []


@pytest.mark.django_db(transaction=True)
def test_one_reset_link_used_twice_at_once_works_exactly_once(mailoutbox):
    user = UserFactory(password=PASSWORD)
    token = request_reset_token(user, mailoutbox)

    def confirm() -> int:
        response = APIClient().post(RESET_CONFIRM, {"token": token, "password": NEW_PASSWORD})
        return response.status_code

    assert sorted(run_in_threads(confirm, 2)) == [204, 400]


# --- new sign-in notice ----------------------------------------------------------------------


def login_from(client: APIClient, user: User, callbacks_fixture) -> tuple[int, list]:
    with callbacks_fixture() as callbacks:
        response = client.post(LOGIN, {"email": user.email, "password": PASSWORD})
    return response.status_code, queued(callbacks, send_login_notice_task)


def test_signing_in_from_the_sign_up_device_sends_no_notice(
    django_capture_on_commit_callbacks,
):
    device = client_from("10.0.0.1", "KindredApp/1.0 (iPhone)")
    assert (
        device.post(SIGNUP, {"email": "ada@example.com", "password": "lovelace-1815"}).status_code
        == 201
    )
    user = User.objects.get()
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])

    status, notices = login_from(device, user, django_capture_on_commit_callbacks)

    assert status == 200
    assert notices == []
    assert LoginDevice.objects.filter(user=user).count() == 1


def test_a_new_device_or_network_gets_a_notice_once(
    user, django_capture_on_commit_callbacks, mailoutbox
):
    home = client_from("10.0.0.1", "KindredApp/1.0 (iPhone)")
    # The first sign-in ever recorded has nothing to compare with: no notice.
    assert login_from(home, user, django_capture_on_commit_callbacks) == (200, [])

    status, notices = login_from(
        client_from("203.0.113.9", "KindredApp/1.0 (Android)"),
        user,
        django_capture_on_commit_callbacks,
    )

    assert status == 200
    [(user_id, ip_address, agent, at)] = notices
    assert (user_id, ip_address, agent) == (str(user.pk), "203.0.113.9", "KindredApp/1.0 (Android)")
    assert send_login_notice_task(user_id, ip_address, agent, at) is True
    [message] = mailoutbox
    assert message.subject == "New sign-in to your Kindred account"
    assert "203.0.113.9" in message.body
    assert "KindredApp/1.0 (Android)" in message.body
    assert "203.0.113.9" in message.alternatives[0][0]

    # The same combination again, or the known one: no notice.
    assert login_from(
        client_from("203.0.113.9", "KindredApp/1.0 (Android)"),
        user,
        django_capture_on_commit_callbacks,
    ) == (200, [])
    assert login_from(home, user, django_capture_on_commit_callbacks) == (200, [])
    # Same device, another network: new combination.
    status, notices = login_from(
        client_from("198.51.100.7", "KindredApp/1.0 (iPhone)"),
        user,
        django_capture_on_commit_callbacks,
    )
    assert len(notices) == 1
    # Only a hash of the combination is kept, never the IP.
    assert not LoginDevice.objects.filter(fingerprint__contains="203.0.113").exists()
    assert LoginDevice.objects.filter(user=user).count() == 3


def test_a_device_not_seen_for_months_counts_as_new_and_is_forgotten(
    user, settings, django_capture_on_commit_callbacks
):
    home = client_from("10.0.0.1")
    login_from(home, user, django_capture_on_commit_callbacks)
    login_from(client_from("10.0.0.2"), user, django_capture_on_commit_callbacks)
    long_ago = timezone.now() - timedelta(days=settings.KINDRED_LOGIN_DEVICE_MEMORY_DAYS + 1)
    LoginDevice.objects.filter(user=user).update(last_seen_at=long_ago)

    status, notices = login_from(home, user, django_capture_on_commit_callbacks)

    assert status == 200
    assert len(notices) == 1
    assert forget_stale_login_devices_task() == 1  # the other one; home was just seen
    assert LoginDevice.objects.filter(user=user).count() == 1


def test_a_failed_sign_in_records_no_device(user):
    response = client_from("203.0.113.9").post(LOGIN, {"email": user.email, "password": "nope-1"})

    assert response.status_code == 401
    assert not LoginDevice.objects.exists()


def test_the_notice_escapes_what_the_client_sent_in_html(user, mailoutbox):
    agent = 'Evil <script>alert("x")</script> & co'

    send_login_notice_task(str(user.pk), "203.0.113.9", agent, timezone.now().isoformat())

    [message] = mailoutbox
    assert agent in message.body  # plain text as sent
    html = message.alternatives[0][0]
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_changing_the_password_mails_a_notice(
    auth_client, user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = auth_client.post(
            "/api/v1/auth/password/change",
            {"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        )

    assert response.status_code == 200
    assert queued(callbacks, send_password_changed_task) == [(str(user.pk),)]


def test_a_refused_password_change_mails_nothing(auth_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        response = auth_client.post(
            "/api/v1/auth/password/change",
            {"current_password": "wrong-password-1", "new_password": NEW_PASSWORD},
        )

    assert response.status_code == 400
    assert queued(callbacks, send_password_changed_task) == []
