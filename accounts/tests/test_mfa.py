"""Two-factor authentication: setup with a QR code, confirmation, sign-in with TOTP or a
recovery code, replay refused, throttling, disabling."""

import base64
import io
from urllib.parse import parse_qs, urlparse

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from PIL import Image
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from accounts.models import RecoveryCode, User
from accounts.tests.conftest import totp_code
from accounts.tests.factories import UserFactory
from accounts.tokens import token_pair_for_user
from conftest import PASSWORD
from core.testing import run_in_threads

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("away_from_step_edge")]

LOGIN = "/api/v1/auth/login"
SETUP = "/api/v1/auth/mfa/setup"
CONFIRM = "/api/v1/auth/mfa/confirm"
DISABLE = "/api/v1/auth/mfa/disable"
ME = "/api/v1/me"


def signed_in(user: User) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_pair_for_user(user).access}")
    return client


def enable_mfa(user: User) -> tuple[TOTPDevice, list[str]]:
    """Set up and confirm MFA with the code of the previous step, so that the current and
    the next step are still free for the test (each code works once)."""
    client = signed_in(user)
    assert client.post(SETUP).status_code == 200
    device = TOTPDevice.objects.get(user=user)
    response = client.post(CONFIRM, {"code": totp_code(device, -1)})
    assert response.status_code == 200, response.json()
    device.refresh_from_db()
    return device, response.json()["recovery_codes"]


def login(user: User, otp: str | None = None, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    body = {"email": user.email, "password": password}
    if otp is not None:
        body["otp"] = otp
    return APIClient().post(LOGIN, body)


def test_setup_returns_secret_url_and_qr_code_without_changing_sign_in(user):
    response = signed_in(user).post(SETUP)

    assert response.status_code == 200
    body = response.json()
    device = TOTPDevice.objects.get(user=user)
    assert device.confirmed is False
    assert base64.b32decode(body["secret"]) == device.bin_key
    url = urlparse(body["otpauth_url"])
    assert (url.scheme, url.netloc) == ("otpauth", "totp")
    assert url.path == f"/Kindred%3A{user.email.replace('@', '%40')}"
    query = parse_qs(url.query)
    assert query["secret"] == [body["secret"]]
    assert query["issuer"] == ["Kindred"]
    assert body["qr_code"].startswith("data:image/png;base64,")
    image = Image.open(io.BytesIO(base64.b64decode(body["qr_code"].split(",", 1)[1])))
    assert image.format == "PNG"
    assert image.width >= 150
    # Not on until confirmed.
    assert login(user).status_code == 200
    assert signed_in(user).get(ME).json()["mfa_enabled"] is False


def test_setup_again_replaces_the_pending_secret(user):
    first = signed_in(user).post(SETUP).json()["secret"]
    second = signed_in(user).post(SETUP).json()["secret"]

    assert first != second
    assert TOTPDevice.objects.filter(user=user).count() == 1


def test_confirm_with_a_wrong_code_changes_nothing(user):
    client = signed_in(user)
    client.post(SETUP)
    device = TOTPDevice.objects.get(user=user)
    wrong = f"{(int(totp_code(device)) + 1) % 1_000_000:06d}"

    response = client.post(CONFIRM, {"code": wrong})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_otp"
    device.refresh_from_db()
    assert device.confirmed is False
    assert not RecoveryCode.objects.exists()
    assert login(user).status_code == 200


def test_confirm_without_setup_conflicts(user):
    response = signed_in(user).post(CONFIRM, {"code": "123456"})

    assert response.status_code == 409
    assert response.json()["code"] == "mfa_setup_required"


def test_confirm_turns_mfa_on_and_returns_ten_recovery_codes_stored_hashed(user):
    device, codes = enable_mfa(user)

    assert device.confirmed is True
    assert len(codes) == 10 == len(set(codes))
    assert all(len(code) == 19 and code.count("-") == 3 for code in codes)
    stored = list(RecoveryCode.objects.filter(user=user).values_list("code_hash", flat=True))
    assert len(stored) == 10
    plain = {code.replace("-", "") for code in codes}
    assert not plain & set(stored)
    assert all(len(value) == 64 for value in stored)
    assert signed_in(user).get(ME).json()["mfa_enabled"] is True
    again = signed_in(user).post(SETUP)
    assert again.status_code == 409
    assert again.json()["code"] == "mfa_already_enabled"


def test_login_needs_the_code_once_mfa_is_on(user):
    device, _ = enable_mfa(user)
    tokens_before = OutstandingToken.objects.count()

    missing = login(user)
    wrong_password = login(user, otp=totp_code(device), password="wrong-password-1")

    assert missing.status_code == 401
    assert missing.json()["code"] == "mfa_required"
    assert wrong_password.status_code == 401
    assert wrong_password.json()["code"] == "invalid_credentials"
    assert OutstandingToken.objects.count() == tokens_before

    response = login(user, otp=totp_code(device))

    assert response.status_code == 200
    assert set(response.json()) >= {"access", "refresh"}


def test_a_totp_code_cannot_be_used_twice(user):
    device, _ = enable_mfa(user)
    code = totp_code(device)
    assert login(user, otp=code).status_code == 200
    tokens_before = OutstandingToken.objects.count()

    replay = login(user, otp=code)

    assert replay.status_code == 401
    assert replay.json()["code"] == "invalid_otp"
    assert OutstandingToken.objects.count() == tokens_before
    # An older code than the last accepted one is refused too.
    assert login(user, otp=totp_code(device, -1)).json()["code"] in (
        "invalid_otp",
        "mfa_rate_limited",
    )


@pytest.mark.django_db(transaction=True)
def test_one_code_sent_by_two_sign_ins_at_once_works_once(away_from_step_edge):
    user = UserFactory(password=PASSWORD)
    device, _ = enable_mfa(user)
    code = totp_code(device)

    statuses = run_in_threads(lambda: login(user, otp=code).status_code, 2)

    assert sorted(statuses) == [200, 401]


def test_a_recovery_code_works_once(user):
    _, codes = enable_mfa(user)

    first = login(user, otp=codes[3].lower())  # case and dashes do not matter
    second = login(user, otp=codes[3])

    assert first.status_code == 200
    assert second.status_code == 401
    assert second.json()["code"] == "invalid_otp"
    assert RecoveryCode.objects.filter(user=user, used_at__isnull=False).count() == 1
    assert login(user, otp=codes[4].replace("-", "")).status_code == 200


def test_another_persons_recovery_code_does_not_work(user):
    enable_mfa(user)
    other = UserFactory(password=PASSWORD)
    _, other_codes = enable_mfa(other)

    response = login(user, otp=other_codes[0])

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_otp"
    assert not RecoveryCode.objects.filter(used_at__isnull=False).exists()


def test_after_a_wrong_code_the_device_refuses_codes_for_a_moment(user):
    device, _ = enable_mfa(user)
    wrong = f"{(int(totp_code(device)) + 1) % 1_000_000:06d}"
    assert login(user, otp=wrong).json()["code"] == "invalid_otp"

    right_too_soon = login(user, otp=totp_code(device))

    assert right_too_soon.status_code == 429
    assert right_too_soon.json()["code"] == "mfa_rate_limited"
    assert int(right_too_soon.headers["Retry-After"]) >= 1


def test_code_attempts_per_account_are_limited(user, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # isolate the per-account limit
    settings.KINDRED_THROTTLES = {**settings.KINDRED_THROTTLES, "mfa_user": "3/900"}
    device, _ = enable_mfa(user)  # confirming counted one attempt
    last_step = device.last_t
    for _ in range(2):
        assert login(user, otp="000000").json()["code"] == "invalid_otp"

    blocked = login(user, otp=totp_code(device))

    assert blocked.status_code == 429
    assert blocked.json()["code"] == "mfa_rate_limited"
    assert RecoveryCode.objects.filter(used_at__isnull=False).count() == 0
    device.refresh_from_db()
    assert device.last_t == last_step  # the current code was never checked


def test_disable_needs_password_and_code(user):
    device, codes = enable_mfa(user)
    client = signed_in(user)

    wrong_password = client.post(DISABLE, {"password": "wrong-1", "code": totp_code(device)})
    wrong_code = client.post(DISABLE, {"password": PASSWORD, "code": "000000"})

    assert wrong_password.status_code == 400
    assert wrong_password.json()["code"] == "wrong_password"
    assert wrong_code.status_code == 400
    assert wrong_code.json()["code"] == "invalid_otp"
    assert TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    assert RecoveryCode.objects.filter(user=user).count() == 10

    disabled = client.post(DISABLE, {"password": PASSWORD, "code": codes[0]})

    assert disabled.status_code == 204
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not RecoveryCode.objects.filter(user=user).exists()
    assert login(user).status_code == 200
    again = client.post(DISABLE, {"password": PASSWORD, "code": codes[1]})
    assert again.status_code == 409
    assert again.json()["code"] == "mfa_not_enabled"


def test_mfa_endpoints_need_authentication(api_client):
    for path in (SETUP, CONFIRM, DISABLE):
        assert api_client.post(path, {}).status_code == 401
