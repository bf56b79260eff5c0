from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt import tokens
from rest_framework_simplejwt.backends import TokenBackend
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts import authentication
from accounts.models import User
from accounts.tests.factories import UserFactory
from conftest import PASSWORD
from core.testing import run_in_threads

pytestmark = pytest.mark.django_db

SIGNUP = "/api/v1/auth/signup"
LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"
LOGOUT_ALL = "/api/v1/auth/logout-all"
PASSWORD_CHANGE = "/api/v1/auth/password/change"
ME = "/api/v1/me"


def bearer(access: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def login(email: str, password: str = PASSWORD) -> dict:
    response = APIClient().post(LOGIN, {"email": email, "password": password})
    assert response.status_code == 200, response.json()
    return response.json()


# --- sign-up -------------------------------------------------------------------------------


def test_signup_creates_user_and_returns_working_tokens(api_client):
    response = api_client.post(SIGNUP, {"email": " Ada@Example.COM ", "password": "lovelace-1815"})

    assert response.status_code == 201
    body = response.json()
    user = User.objects.get()
    assert body["user"] == {"id": str(user.id), "email": "ada@example.com"}
    assert user.email == "ada@example.com"
    assert user.check_password("lovelace-1815")
    me = bearer(body["access"]).get(ME)
    assert me.status_code == 200
    assert me.json()["email"] == "ada@example.com"


def test_signup_with_phone_stores_e164(api_client):
    response = api_client.post(
        SIGNUP, {"email": "a@example.com", "password": "lovelace-1815", "phone": "+44 20 7946 0958"}
    )

    assert response.status_code == 201
    assert User.objects.get().phone == "+442079460958"


def test_signup_with_invalid_phone_is_refused(api_client):
    response = api_client.post(
        SIGNUP, {"email": "a@example.com", "password": "lovelace-1815", "phone": "12345"}
    )

    assert response.status_code == 400
    assert list(response.json()["extra"]["fields"]) == ["phone"]
    assert not User.objects.exists()


def test_signup_with_duplicate_email_in_other_case_conflicts(api_client):
    UserFactory(email="taken@example.com")

    response = api_client.post(SIGNUP, {"email": "TAKEN@example.com", "password": "lovelace-1815"})

    assert response.status_code == 409
    assert response.json()["code"] == "email_taken"
    assert User.objects.count() == 1


def test_signup_with_duplicate_phone_conflicts(api_client):
    UserFactory(phone="+442079460958")

    response = api_client.post(
        SIGNUP, {"email": "b@example.com", "password": "lovelace-1815", "phone": "+442079460958"}
    )

    assert response.status_code == 409
    assert response.json()["code"] == "phone_taken"


@pytest.mark.parametrize(
    "password",
    ["short1", "onlyletterslong", "1234567890", "password1"],
    ids=["too-short", "no-digit", "no-letter", "too-common"],
)
def test_signup_refuses_weak_passwords(api_client, password):
    response = api_client.post(SIGNUP, {"email": "a@example.com", "password": password})

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["extra"]["fields"]["password"]
    assert not User.objects.exists()


def test_signup_refuses_malformed_email(api_client):
    response = api_client.post(SIGNUP, {"email": "not-an-email", "password": "lovelace-1815"})

    assert response.status_code == 400
    assert "email" in response.json()["extra"]["fields"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_signups_with_same_email_create_one_user():
    def sign_up() -> int:
        payload = {"email": "race@example.com", "password": "lovelace-1815"}
        return APIClient().post(SIGNUP, payload).status_code

    statuses = run_in_threads(sign_up, 2)

    assert sorted(statuses) == [201, 409]
    assert User.objects.filter(email="race@example.com").count() == 1


# --- login ---------------------------------------------------------------------------------


def test_login_returns_token_pair(user):
    body = login(user.email.upper())

    assert set(body) == {"access", "refresh", "user", "deletion_cancelled"}
    assert body["deletion_cancelled"] is False
    assert bearer(body["access"]).get(ME).status_code == 200
    user.refresh_from_db()
    assert user.last_login is not None


def test_wrong_password_and_unknown_email_answer_the_same(api_client, user):
    wrong = api_client.post(LOGIN, {"email": user.email, "password": "wrong-password-1"})
    unknown = api_client.post(LOGIN, {"email": "nobody@example.com", "password": PASSWORD})

    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["code"] == "invalid_credentials"


def test_deactivated_user_cannot_login(api_client, user):
    User.objects.filter(pk=user.pk).update(is_active=False)

    response = api_client.post(LOGIN, {"email": user.email, "password": PASSWORD})

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"


def test_banned_user_cannot_login(api_client, user):
    User.objects.filter(pk=user.pk).update(banned_at=timezone.now())

    response = api_client.post(LOGIN, {"email": user.email, "password": PASSWORD})

    assert response.status_code == 403
    assert response.json()["code"] == "account_banned"


# --- tokens on each request ----------------------------------------------------------------


def test_banned_users_access_token_stops_working_on_next_request(user):
    access = login(user.email)["access"]
    assert bearer(access).get(ME).status_code == 200

    User.objects.filter(pk=user.pk).update(banned_at=timezone.now())
    response = bearer(access).get(ME)

    assert response.status_code == 403
    assert response.json()["code"] == "account_banned"


def test_suspended_user_is_refused_until_the_end_of_the_suspension(user):
    tokens = login(user.email)
    until = timezone.now() + timedelta(days=3)
    User.objects.filter(pk=user.pk).update(suspended_until=until)

    response = bearer(tokens["access"]).get(ME)
    refreshed = APIClient().post(REFRESH, {"refresh": tokens["refresh"]})

    assert response.status_code == 403
    assert response.json()["code"] == "account_suspended"
    assert response.json()["extra"]["until"].startswith(until.date().isoformat())
    assert refreshed.status_code == 403
    User.objects.filter(pk=user.pk).update(suspended_until=timezone.now() - timedelta(seconds=1))
    assert bearer(tokens["access"]).get(ME).status_code == 200


def test_deactivated_users_access_token_stops_working(user):
    access = login(user.email)["access"]
    User.objects.filter(pk=user.pk).update(is_active=False)

    response = bearer(access).get(ME)

    assert response.status_code == 401
    assert response.json()["code"] in {"account_inactive", "user_inactive"}


def test_garbage_bearer_token_is_refused(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not.a.token")

    response = api_client.get(ME)

    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_an_access_token_s_signature_is_verified_once_per_process(user):
    access = login(user.email)["access"]
    decodes = []
    original = TokenBackend.decode

    def counting(self, token, verify=True):
        decodes.append(token)
        return original(self, token, verify)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(TokenBackend, "decode", counting)
        statuses = [bearer(access).get(ME).status_code for _ in range(3)]

    assert statuses == [200, 200, 200]
    assert decodes == [access.encode()]


def test_an_access_token_verified_before_still_expires_on_time(user, monkeypatch):
    access = login(user.email)["access"]
    assert bearer(access).get(ME).status_code == 200
    later = timezone.now() + timedelta(minutes=settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].seconds)
    monkeypatch.setattr(authentication, "aware_utcnow", lambda: later)
    monkeypatch.setattr(tokens, "aware_utcnow", lambda: later)

    response = bearer(access).get(ME)

    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_a_token_altered_after_a_genuine_one_was_verified_is_refused(user):
    access = login(user.email)["access"]
    assert bearer(access).get(ME).status_code == 200
    header, payload, signature = access.split(".")
    forged = f"{header}.{payload}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"

    response = bearer(forged).get(ME)

    assert (response.status_code, response.json()["code"]) == (401, "token_not_valid")


def test_refresh_token_cannot_be_used_as_access_token(user):
    refresh = login(user.email)["refresh"]

    assert bearer(refresh).get(ME).status_code == 401


def test_authenticated_request_records_last_seen(user):
    access = login(user.email)["access"]
    User.objects.filter(pk=user.pk).update(last_seen_at=timezone.now() - timedelta(hours=1))

    bearer(access).get(ME)

    user.refresh_from_db()
    assert timezone.now() - user.last_seen_at < timedelta(minutes=1)


# --- refresh rotation ----------------------------------------------------------------------


def test_refresh_rotates_and_the_old_refresh_token_is_dead(user):
    first = login(user.email)

    rotated = APIClient().post(REFRESH, {"refresh": first["refresh"]})
    assert rotated.status_code == 200
    second = rotated.json()
    assert second["refresh"] != first["refresh"]
    assert bearer(second["access"]).get(ME).status_code == 200

    reused = APIClient().post(REFRESH, {"refresh": first["refresh"]})
    assert reused.status_code == 401
    assert reused.json()["code"] == "token_reused"


def test_reusing_a_rotated_refresh_token_revokes_every_session(user):
    first = login(user.email)
    second = APIClient().post(REFRESH, {"refresh": first["refresh"]}).json()

    APIClient().post(REFRESH, {"refresh": first["refresh"]})

    assert bearer(second["access"]).get(ME).status_code == 401
    assert APIClient().post(REFRESH, {"refresh": second["refresh"]}).status_code == 401


def test_refresh_with_an_access_token_is_refused(user):
    access = login(user.email)["access"]

    response = APIClient().post(REFRESH, {"refresh": access})

    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


@pytest.mark.django_db(transaction=True)
def test_concurrent_refreshes_of_one_token_let_exactly_one_through():
    user = UserFactory(password=PASSWORD)
    refresh = login(user.email)["refresh"]

    statuses = run_in_threads(
        lambda: APIClient().post(REFRESH, {"refresh": refresh}).status_code, 2
    )

    assert sorted(statuses) == [200, 401]


# --- logout --------------------------------------------------------------------------------


def test_logout_blacklists_the_refresh_token(user):
    tokens = login(user.email)

    response = APIClient().post(LOGOUT, {"refresh": tokens["refresh"]})

    assert response.status_code == 204
    assert BlacklistedToken.objects.filter(token__jti__isnull=False).count() == 1
    assert APIClient().post(REFRESH, {"refresh": tokens["refresh"]}).status_code == 401


def test_logout_twice_is_harmless(user):
    tokens = login(user.email)

    APIClient().post(LOGOUT, {"refresh": tokens["refresh"]})
    response = APIClient().post(LOGOUT, {"refresh": tokens["refresh"]})

    assert response.status_code == 204


def test_logout_all_ends_every_session_including_access_tokens(user):
    phone = login(user.email)
    laptop = login(user.email)

    response = bearer(phone["access"]).post(LOGOUT_ALL)

    assert response.status_code == 204
    for session in (phone, laptop):
        assert bearer(session["access"]).get(ME).json()["code"] == "token_revoked"
        assert APIClient().post(REFRESH, {"refresh": session["refresh"]}).status_code == 401
    assert login(user.email)["access"]


def test_logout_all_requires_authentication(api_client):
    response = api_client.post(LOGOUT_ALL)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


# --- password change -----------------------------------------------------------------------


def test_password_change_ends_other_sessions_and_keeps_this_one(user):
    this = login(user.email)
    other = login(user.email)

    response = bearer(this["access"]).post(
        PASSWORD_CHANGE, {"current_password": PASSWORD, "new_password": "new-secret-2024"}
    )

    assert response.status_code == 200
    fresh = response.json()
    assert bearer(fresh["access"]).get(ME).status_code == 200
    assert bearer(other["access"]).get(ME).status_code == 401
    assert bearer(this["access"]).get(ME).status_code == 401
    stale = APIClient().post(REFRESH, {"refresh": other["refresh"]})
    assert (stale.status_code, stale.json()["code"]) == (401, "token_revoked")
    assert APIClient().post(REFRESH, {"refresh": fresh["refresh"]}).status_code == 200
    login(user.email, "new-secret-2024")


def test_password_change_with_wrong_current_password_changes_nothing(user):
    tokens = login(user.email)

    response = bearer(tokens["access"]).post(
        PASSWORD_CHANGE, {"current_password": "wrong-one-1", "new_password": "new-secret-2024"}
    )

    assert response.status_code == 400
    assert response.json()["code"] == "wrong_password"
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert bearer(tokens["access"]).get(ME).status_code == 200


def test_password_change_refuses_a_weak_new_password(user):
    tokens = login(user.email)

    response = bearer(tokens["access"]).post(
        PASSWORD_CHANGE, {"current_password": PASSWORD, "new_password": "abcdefgh"}
    )

    assert response.status_code == 400
    assert "new_password" in response.json()["extra"]["fields"]
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


# --- throttling ----------------------------------------------------------------------------


def test_login_is_throttled_per_account_with_retry_after(api_client, user, settings):
    settings.KINDRED_THROTTLES = {**settings.KINDRED_THROTTLES, "login_account": "3/600"}

    statuses = [
        api_client.post(
            LOGIN, {"email": user.email, "password": "wrong-password-1"}, REMOTE_ADDR=f"10.0.0.{n}"
        ).status_code
        for n in range(4)
    ]

    assert statuses == [401, 401, 401, 429]
    blocked = api_client.post(LOGIN, {"email": user.email, "password": PASSWORD})
    assert blocked.status_code == 429
    assert blocked.json()["code"] == "rate_limited"
    assert 0 < int(blocked["Retry-After"]) <= 600
    other_account = api_client.post(LOGIN, {"email": "other@example.com", "password": PASSWORD})
    assert other_account.status_code == 401


def test_login_is_throttled_per_ip(api_client, settings):
    settings.KINDRED_THROTTLES = {**settings.KINDRED_THROTTLES, "login_ip": "2/600"}

    statuses = [
        api_client.post(LOGIN, {"email": f"p{n}@example.com", "password": "x1234567"}).status_code
        for n in range(3)
    ]
    elsewhere = api_client.post(
        LOGIN, {"email": "p9@example.com", "password": "x1234567"}, REMOTE_ADDR="192.0.2.7"
    )

    assert statuses == [401, 401, 429]
    assert elsewhere.status_code == 401


def test_signup_is_throttled_per_ip(api_client, settings):
    settings.KINDRED_THROTTLES = {**settings.KINDRED_THROTTLES, "signup_ip": "2/3600"}

    statuses = [
        api_client.post(
            SIGNUP, {"email": f"n{n}@example.com", "password": "lovelace-1815"}
        ).status_code
        for n in range(3)
    ]

    assert statuses == [201, 201, 429]
    assert User.objects.count() == 2


def test_forwarded_for_is_ignored_without_trusted_proxies(api_client, settings):
    settings.KINDRED_THROTTLES = {**settings.KINDRED_THROTTLES, "login_ip": "1/600"}

    first = api_client.post(
        LOGIN,
        {"email": "a@example.com", "password": "x1234567"},
        HTTP_X_FORWARDED_FOR="198.51.100.1",
    )
    second = api_client.post(
        LOGIN,
        {"email": "b@example.com", "password": "x1234567"},
        HTTP_X_FORWARDED_FOR="198.51.100.2",
    )

    assert (first.status_code, second.status_code) == (401, 429)


# --- me ------------------------------------------------------------------------------------


def test_me_shows_own_account(auth_client, user):
    response = auth_client.get(ME)

    assert response.status_code == 200
    assert response.json() == {
        "id": str(user.id),
        "email": user.email,
        "email_verified_at": None,
        "phone": None,
        "time_zone": "UTC",
        "date_joined": response.json()["date_joined"],
        "last_seen_at": response.json()["last_seen_at"],
        "mfa_enabled": False,
    }
    assert "password" not in response.json()


def test_me_patch_updates_phone_and_time_zone(auth_client, user):
    response = auth_client.patch(ME, {"phone": "+14155550123", "time_zone": "Asia/Kolkata"})

    assert response.status_code == 200
    user.refresh_from_db()
    assert (user.phone, user.time_zone) == ("+14155550123", "Asia/Kolkata")


def test_me_patch_refuses_unknown_time_zone_and_changes_nothing(auth_client, user):
    response = auth_client.patch(ME, {"phone": "+14155550123", "time_zone": "Mars/Olympus"})

    assert response.status_code == 400
    assert list(response.json()["extra"]["fields"]) == ["time_zone"]
    user.refresh_from_db()
    assert user.phone is None


def test_me_patch_with_someone_elses_phone_conflicts(auth_client, user):
    UserFactory(phone="+14155550123")

    response = auth_client.patch(ME, {"phone": "+1 415 555 0123"})

    assert response.status_code == 409
    assert response.json()["code"] == "phone_taken"


def test_me_patch_cannot_change_email(auth_client, user):
    original = user.email

    auth_client.patch(ME, {"email": "new@example.com"})

    user.refresh_from_db()
    assert user.email == original


def test_me_requires_authentication(api_client):
    response = api_client.get(ME)

    assert response.status_code == 401
    assert response.json() == {
        "code": "not_authenticated",
        "message": "Authentication credentials were not provided.",
        "extra": {},
    }


def test_expired_refresh_tokens_are_flushed(user):
    login(user.email)
    OutstandingToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    from accounts.tasks import flush_expired_tokens_task

    assert flush_expired_tokens_task() == 1
    assert not OutstandingToken.objects.exists()


def test_public_auth_actions_ignore_a_stale_authorization_header(user):
    tokens = login(user.email)
    stale = bearer("expired.or.garbage")

    assert stale.post(REFRESH, {"refresh": tokens["refresh"]}).status_code == 200
    assert stale.post(LOGIN, {"email": user.email, "password": PASSWORD}).status_code == 200


def test_signup_is_throttled_per_email_across_ips(api_client, settings):
    settings.KINDRED_THROTTLES = {**settings.KINDRED_THROTTLES, "signup_account": "2/3600"}
    UserFactory(email="target@example.com")

    statuses = [
        api_client.post(
            SIGNUP,
            {"email": "Target@example.com", "password": "lovelace-1815"},
            REMOTE_ADDR=f"10.0.1.{n}",
        ).status_code
        for n in range(3)
    ]

    assert statuses == [409, 409, 429]
