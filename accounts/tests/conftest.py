"""Fixtures and helpers for the account-lifecycle tests."""

import re
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from django.core import mail
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

# The S3 emulator (moto server mode) and the disk storage, shared with profiles' photo tests.
from profiles.tests.conftest import (  # noqa: F401  (fixtures)
    images,
    local_storage,
    moto_endpoint,
    s3_storage,
)


def queued(callbacks: list[Callable[..., Any]], task: Any) -> list[tuple[Any, ...]]:
    """The argument tuples of every `task.delay(...)` scheduled in the captured on-commit
    `callbacks` (services schedule `partial(task.delay, ...)`)."""
    return [
        callback.args
        for callback in callbacks
        if isinstance(callback, partial) and callback.func == task.delay
    ]


def link_token(message: mail.EmailMessage) -> str:
    """The token of the link in an email (plain-text body)."""
    match = re.search(r"token=(\S+)", str(message.body))
    assert match, message.body
    return match.group(1)


def totp_code(device: TOTPDevice, steps_from_now: int = 0) -> str:
    """The code an authenticator app shows for `device`, `steps_from_now` steps away."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
    totp.time = time.time() + steps_from_now * device.step
    return f"{totp.token():0{device.digits}d}"


@pytest.fixture
def away_from_step_edge() -> None:
    """Start a TOTP test well inside a 30-second step, so that "this step" and "the next
    step" mean the same thing for the whole test."""
    into_step = time.time() % 30
    if into_step > 25:
        time.sleep(30 - into_step + 0.5)
