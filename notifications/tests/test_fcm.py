"""The FCM provider against firebase-admin's own objects, without network: a loopback
`send_each` answers with the SDK's BatchResponse/SendResponse and its exception types."""

import json

import firebase_admin
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from firebase_admin import exceptions as firebase_errors
from firebase_admin import messaging

from notifications.checks import push_provider_check
from notifications.push import (
    FcmPushProvider,
    LoggingPushProvider,
    PushMessage,
    PushTarget,
    fcm_message,
    get_push_provider,
    push_data,
    webpush_topic,
)
from notifications.tests.fake_fcm import FakeFcm, FakeFcmProvider

MESSAGE = PushMessage(
    notification_id="n-1",
    kind="message_received",
    title="Ada",
    body="hello",
    data=push_data({"conversation_id": "c-1", "count": 2, "nested": {"a": 1}, "none": None}),
    collapse_key="conversation:c-1",
    badge=4,
)


def targets(*tokens: str) -> list[PushTarget]:
    return [PushTarget(token=token, platform="android") for token in tokens]


@pytest.fixture(autouse=True)
def _reset_fake() -> None:
    FakeFcm.reset()


@pytest.mark.parametrize(
    "error",
    [
        messaging.UnregisteredError("Requested entity was not found."),
        messaging.SenderIdMismatchError("SenderId mismatch"),
        firebase_errors.InvalidArgumentError("The registration token is not valid"),
    ],
    ids=["unregistered", "sender_id_mismatch", "invalid_argument"],
)
def test_errors_that_mean_the_token_is_dead_report_it_invalid(error):
    FakeFcm.errors = {"dead": error}

    result = FakeFcmProvider().send(message=MESSAGE, targets=targets("alive", "dead"))

    assert result.sent == ["alive"]
    assert result.invalid == ["dead"]
    assert result.retryable == result.failed == []


@pytest.mark.parametrize(
    "error",
    [
        messaging.QuotaExceededError("Quota exceeded"),
        firebase_errors.UnavailableError("Service unavailable"),
        firebase_errors.InternalError("Internal error"),
        firebase_errors.DeadlineExceededError("Timed out"),
        firebase_errors.UnknownError("Connection reset"),
    ],
    ids=["quota", "unavailable", "internal", "deadline", "unknown"],
)
def test_transient_errors_are_retryable_and_keep_the_token(error):
    FakeFcm.errors = {"busy": error}

    result = FakeFcmProvider().send(message=MESSAGE, targets=targets("busy"))

    assert result.retryable == ["busy"]
    assert result.invalid == result.sent == result.failed == []


@pytest.mark.parametrize(
    "error",
    [
        messaging.ThirdPartyAuthError("APNs certificate rejected"),
        firebase_errors.PermissionDeniedError("Permission denied"),
    ],
    ids=["third_party_auth", "permission_denied"],
)
def test_configuration_errors_fail_without_blaming_the_token(error):
    FakeFcm.errors = {"token": error}

    result = FakeFcmProvider().send(message=MESSAGE, targets=targets("token"))

    assert result.failed == ["token"]
    assert result.invalid == result.sent == result.retryable == []


def test_a_failed_batch_is_retryable_for_every_token_when_transient():
    FakeFcm.batch_error = firebase_errors.UnavailableError("FCM down")

    result = FakeFcmProvider().send(message=MESSAGE, targets=targets("a", "b"))

    assert result.retryable == ["a", "b"]
    assert result.invalid == []


def test_no_targets_sends_nothing():
    result = FakeFcmProvider().send(message=MESSAGE, targets=[])

    assert result.sent == []
    assert FakeFcm.sent == []


def test_the_message_carries_each_platforms_collapse_identifier():
    message = fcm_message(message=MESSAGE, target=PushTarget(token="t", platform="ios"))

    assert message.token == "t"
    assert message.notification.title == "Ada"
    assert message.android.collapse_key == "conversation:c-1"
    assert message.android.notification.tag == "conversation:c-1"
    assert message.apns.headers == {"apns-collapse-id": "conversation:c-1"}
    assert message.apns.payload.aps.badge == 4
    assert message.apns.payload.aps.thread_id == "conversation:c-1"
    assert message.webpush.headers["Topic"] == webpush_topic("conversation:c-1")
    assert len(message.webpush.headers["Topic"]) == 32
    assert message.webpush.notification.tag == "conversation:c-1"
    # FCM data is strings only.
    assert message.data == {
        "conversation_id": "c-1",
        "count": "2",
        "nested": '{"a":1}',
    }


def test_the_sdk_accepts_the_message_it_would_send():
    # The SDK's own encoder validates every field (types, TTL, header formats) exactly as
    # send_each does before its HTTP call.
    long_key = "conversation:" + "x" * 90
    message = fcm_message(
        message=PushMessage(
            notification_id="n",
            kind="match_created",
            title="t",
            body="",
            data={"k": "v"},
            collapse_key=long_key,
        ),
        target=PushTarget(token="t", platform="web"),
    )

    encoded = messaging._MessagingService.encode_message(message)

    assert encoded["token"] == "t"
    assert encoded["android"]["collapse_key"] == long_key
    assert len(encoded["apns"]["headers"]["apns-collapse-id"].encode()) <= 64
    assert encoded["android"]["ttl"] == "86400s"


def test_an_installation_id_is_addressed_as_fid():
    message = fcm_message(
        message=MESSAGE,
        target=PushTarget(token="fid-1", platform="android", token_kind="installation_id"),
    )

    assert message.fid == "fid-1"
    assert message.token is None


def test_a_message_without_collapse_key_sets_none():
    message = fcm_message(
        message=PushMessage(notification_id="n", kind="k", title="t", body="b", data={}),
        target=PushTarget(token="t", platform="android"),
    )

    assert message.android.collapse_key is None
    assert message.apns.headers is None
    assert "Topic" not in message.webpush.headers


def test_the_logging_provider_is_the_default(settings):
    settings.KINDRED_PUSH_PROVIDER = "logging"

    provider = get_push_provider()

    assert isinstance(provider, LoggingPushProvider)
    assert provider.send(message=MESSAGE, targets=targets("a")).sent == ["a"]


def test_fcm_is_enabled_by_settings_with_a_service_account_file(settings, tmp_path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    credentials_file = tmp_path / "service-account.json"
    credentials_file.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": "kindred-test-project",
                "private_key_id": "key-1",
                "private_key": pem,
                "client_email": "push@kindred-test-project.iam.gserviceaccount.com",
                "client_id": "1",
                "token_uri": "https://oauth2.googleapis.com/token",
            }
        )
    )
    settings.KINDRED_PUSH_PROVIDER = "fcm"
    settings.KINDRED_FCM_CREDENTIALS_FILE = str(credentials_file)
    settings.KINDRED_FCM_TIMEOUT_SECONDS = 7.5
    try:
        provider = get_push_provider()

        assert isinstance(provider, FcmPushProvider)
        app = firebase_admin.get_app(FcmPushProvider.APP_NAME)
        assert app.project_id == "kindred-test-project"
        assert app.options.get("httpTimeout") == 7.5
        # A second provider reuses the app instead of initializing another.
        assert isinstance(get_push_provider(), FcmPushProvider)
    finally:
        firebase_admin.delete_app(firebase_admin.get_app(FcmPushProvider.APP_NAME))


def test_settings_checks_catch_a_misconfigured_provider(settings, tmp_path):
    settings.KINDRED_PUSH_PROVIDER = "logging"
    assert push_provider_check() == []

    settings.KINDRED_PUSH_PROVIDER = "carrier.pigeon.Provider"
    assert [error.id for error in push_provider_check()] == ["notifications.E001"]

    settings.KINDRED_PUSH_PROVIDER = "fcm"
    settings.KINDRED_FCM_CREDENTIALS_FILE = str(tmp_path / "missing.json")
    assert [error.id for error in push_provider_check()] == ["notifications.E002"]

    settings.KINDRED_FCM_CREDENTIALS_FILE = ""  # application default credentials
    assert push_provider_check() == []
