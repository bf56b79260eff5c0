"""A loopback stand-in for FCM's send endpoint, answering with firebase-admin's own
response and error objects, so that the real FcmPushProvider maps real SDK results.

Select it with `settings.KINDRED_PUSH_PROVIDER = "notifications.tests.fake_fcm.FakeFcmProvider"`;
script per-token errors in `FakeFcm.errors[token] = <exception>`; every message the SDK
would have sent is kept in `FakeFcm.sent`.
"""

from typing import Any, ClassVar

from firebase_admin import messaging

from notifications.push import FcmPushProvider


class FakeFcm:
    sent: ClassVar[list[Any]] = []
    errors: ClassVar[dict[str, Exception]] = {}
    batch_error: ClassVar[Exception | None] = None

    @classmethod
    def reset(cls) -> None:
        cls.sent = []
        cls.errors = {}
        cls.batch_error = None

    @classmethod
    def send_each(cls, messages: list[Any], dry_run: bool = False, app: Any = None) -> Any:
        if cls.batch_error is not None:
            raise cls.batch_error
        responses = []
        for message in messages:
            error = cls.errors.get(message.token or message.fid)
            if error is None:
                cls.sent.append(message)
                responses.append(
                    messaging.SendResponse({"name": f"projects/p/messages/{len(cls.sent)}"}, None)
                )
            else:
                responses.append(messaging.SendResponse(None, error))
        return messaging.BatchResponse(responses)


class FakeFcmProvider(FcmPushProvider):
    def __init__(self) -> None:
        super().__init__(send_each=FakeFcm.send_each)
