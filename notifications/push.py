"""Push providers: how a notification reaches devices when its user has no open socket.

`get_push_provider()` builds the provider named by KINDRED_PUSH_PROVIDER: "logging" (the
default: writes one log line per push, sends nothing), "fcm" (Firebase Cloud Messaging
through firebase-admin), or the dotted path of another class with the same interface.

A provider sends one message to several devices and reports, per token, whether it was
sent, is invalid (the caller removes it) or failed for a reason that a retry may fix.
"""

import base64
import hashlib
import json
import logging
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

# Limits of the platforms' collapse identifiers: APNs' apns-collapse-id is at most 64
# bytes; a Web Push `Topic` is at most 32 characters of the URL-safe base64 alphabet.
APNS_COLLAPSE_ID_MAX_BYTES = 64
WEBPUSH_TOPIC_LENGTH = 32
# A push is useless once stale: FCM drops it if the device stays offline this long.
PUSH_TIME_TO_LIVE = timedelta(days=1)


@dataclass(frozen=True)
class PushTarget:
    token: str
    platform: str
    # "registration_token" or "installation_id" (notifications.models.PushTokenKind).
    token_kind: str = "registration_token"


@dataclass(frozen=True)
class PushMessage:
    notification_id: str
    kind: str
    title: str
    body: str
    # Flat string values (what FCM accepts); built by `push_data()`.
    data: dict[str, str]
    collapse_key: str = ""
    # The app icon's badge: the user's unread notifications.
    badge: int | None = None


@dataclass
class PushResult:
    sent: list[str] = field(default_factory=list)
    # Tokens the provider says will never work again (uninstalled app, another project).
    invalid: list[str] = field(default_factory=list)
    # Tokens that failed for a transient reason (quota, outage, timeout): worth a retry.
    retryable: list[str] = field(default_factory=list)
    # Tokens that failed for a reason a retry won't fix but that isn't the token's fault.
    failed: list[str] = field(default_factory=list)


class PushProvider(Protocol):
    name: str

    def send(self, *, message: PushMessage, targets: Sequence[PushTarget]) -> PushResult: ...


def push_data(values: dict[str, Any]) -> dict[str, str]:
    """FCM data payloads are string → string; other values travel as JSON."""
    return {
        str(key): value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
        for key, value in values.items()
        if value is not None
    }


class LoggingPushProvider:
    """The default: logs each push instead of sending it (local runs, tests, no FCM)."""

    name = "logging"

    def send(self, *, message: PushMessage, targets: Sequence[PushTarget]) -> PushResult:
        for target in targets:
            # Only the end of a token: enough to tell devices apart, useless to anyone else.
            logger.info(
                "push (not sent, logging provider) to %s device …%s: %s — %s [%s]",
                target.platform,
                target.token[-6:],
                message.title,
                message.body,
                message.kind,
            )
        return PushResult(sent=[target.token for target in targets])


SendEach = Callable[..., Any]


class FcmPushProvider:
    """Firebase Cloud Messaging (HTTP v1) through firebase-admin's `messaging.send_each`.

    Credentials: the service-account JSON at KINDRED_FCM_CREDENTIALS_FILE, else Google's
    application default credentials (GOOGLE_APPLICATION_CREDENTIALS). Every request has the
    KINDRED_FCM_TIMEOUT_SECONDS timeout. `send_each` is the SDK's function by default; any
    callable with its signature may stand in (another transport, a loopback fake in tests).

    Error mapping (FCM's guidance on stale tokens): UNREGISTERED, SENDER_ID_MISMATCH and
    INVALID_ARGUMENT mark the token invalid — our payloads are bounded and encoded by the
    SDK before sending, so an INVALID_ARGUMENT names the token. QUOTA_EXCEEDED, UNAVAILABLE,
    INTERNAL, deadline and transport errors are retryable; anything else (APNs or web push
    credentials rejected, permission denied) is a failure that retrying won't fix.
    """

    name = "fcm"
    APP_NAME = "kindred-push"

    def __init__(self, *, send_each: SendEach | None = None, app: Any = None) -> None:
        from firebase_admin import messaging

        self._send_each: SendEach = send_each or messaging.send_each
        self._app = app if app is not None else (None if send_each else fcm_app())

    def send(self, *, message: PushMessage, targets: Sequence[PushTarget]) -> PushResult:
        from firebase_admin import exceptions

        result = PushResult()
        if not targets:
            return result
        messages = [fcm_message(message=message, target=target) for target in targets]
        try:
            batch = self._send_each(messages, app=self._app)
        except exceptions.FirebaseError as error:
            # The whole batch failed before any per-token answer (credentials, network).
            logger.warning("FCM batch failed: %s", error.code)
            bucket = result.retryable if _is_retryable(error) else result.failed
            bucket.extend(target.token for target in targets)
            return result
        for target, response in zip(targets, batch.responses, strict=True):
            if response.success:
                result.sent.append(target.token)
            elif _is_invalid_token(response.exception):
                result.invalid.append(target.token)
            elif _is_retryable(response.exception):
                result.retryable.append(target.token)
            else:
                logger.error(
                    "FCM refused a push to a %s device: %s",
                    target.platform,
                    getattr(response.exception, "code", response.exception),
                )
                result.failed.append(target.token)
        return result


def fcm_message(*, message: PushMessage, target: PushTarget) -> Any:
    """The firebase-admin Message for one device; the collapse key becomes each platform's
    own (Android collapse key and notification tag, APNs collapse id and thread, Web Push
    topic and tag), so a device shows one entry per conversation."""
    from firebase_admin import messaging

    key = message.collapse_key
    android = messaging.AndroidConfig(
        priority="high",
        ttl=PUSH_TIME_TO_LIVE,
        collapse_key=key or None,
        notification=messaging.AndroidNotification(tag=key or None),
    )
    apns = messaging.APNSConfig(
        headers={"apns-collapse-id": apns_collapse_id(key)} if key else None,
        payload=messaging.APNSPayload(
            aps=messaging.Aps(badge=message.badge, thread_id=key or None, sound="default")
        ),
    )
    webpush = messaging.WebpushConfig(
        headers={"Topic": webpush_topic(key), "Urgency": "high"} if key else {"Urgency": "high"},
        notification=messaging.WebpushNotification(tag=key or None),
    )
    address = (
        {"fid": target.token} if target.token_kind == "installation_id" else {"token": target.token}
    )
    with warnings.catch_warnings():
        # firebase-admin 7.7 deprecates `token` for `fid`, but apps that have not opted in
        # to installation ids still register tokens, and FCM still accepts them.
        warnings.filterwarnings("ignore", "Message.token is deprecated", DeprecationWarning)
        return messaging.Message(
            notification=messaging.Notification(title=message.title, body=message.body or None),
            data=message.data,
            android=android,
            apns=apns,
            webpush=webpush,
            **address,
        )


def apns_collapse_id(key: str) -> str:
    if len(key.encode()) <= APNS_COLLAPSE_ID_MAX_BYTES:
        return key
    return hashlib.sha256(key.encode()).hexdigest()


def webpush_topic(key: str) -> str:
    digest = hashlib.sha256(key.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")[:WEBPUSH_TOPIC_LENGTH]


def _is_invalid_token(error: Exception | None) -> bool:
    from firebase_admin import exceptions, messaging

    return isinstance(
        error,
        messaging.UnregisteredError
        | messaging.SenderIdMismatchError
        | exceptions.InvalidArgumentError,
    )


def _is_retryable(error: Exception | None) -> bool:
    from firebase_admin import exceptions, messaging

    return isinstance(
        error,
        messaging.QuotaExceededError
        | exceptions.UnavailableError
        | exceptions.InternalError
        | exceptions.DeadlineExceededError
        | exceptions.UnknownError,
    )


def fcm_app() -> Any:
    """The firebase-admin app of the push provider, initialized once per process."""
    import firebase_admin
    from firebase_admin import credentials

    try:
        return firebase_admin.get_app(FcmPushProvider.APP_NAME)
    except ValueError:
        pass
    path = settings.KINDRED_FCM_CREDENTIALS_FILE
    credential = credentials.Certificate(path) if path else credentials.ApplicationDefault()
    options: dict[str, Any] = {"httpTimeout": settings.KINDRED_FCM_TIMEOUT_SECONDS}
    if settings.KINDRED_FCM_PROJECT_ID:
        options["projectId"] = settings.KINDRED_FCM_PROJECT_ID
    return firebase_admin.initialize_app(credential, options, name=FcmPushProvider.APP_NAME)


_PROVIDERS = {"logging": LoggingPushProvider, "fcm": FcmPushProvider}


def get_push_provider() -> PushProvider:
    """The provider named by KINDRED_PUSH_PROVIDER ("logging", "fcm" or a dotted path)."""
    name: str = settings.KINDRED_PUSH_PROVIDER
    provider_class = _PROVIDERS.get(name) or import_string(name)
    provider: PushProvider = provider_class()
    return provider
