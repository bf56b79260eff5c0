from collections.abc import Iterator

import pytest

from notifications.tests.fake_fcm import FakeFcm


@pytest.fixture
def fake_fcm(settings) -> Iterator[type[FakeFcm]]:  # type: ignore[no-untyped-def]
    settings.KINDRED_PUSH_PROVIDER = "notifications.tests.fake_fcm.FakeFcmProvider"
    FakeFcm.reset()
    yield FakeFcm
    FakeFcm.reset()
