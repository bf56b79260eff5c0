"""Schema-driven fuzzing of the whole API: whatever any operation receives, it never answers
5xx, and every 4xx is in the error envelope.

The operations come from our own OpenAPI schema, so endpoints added by later issues are
fuzzed without touching this file. Examples per operation are bounded (FUZZ_MAX_EXAMPLES).
"""

import os

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from accounts.models import User
from accounts.tests.factories import UserFactory
from accounts.tokens import token_pair_for_user

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "25"))

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())


def error_envelope(ctx, response, case) -> bool:  # type: ignore[no-untyped-def]
    """Every 4xx answer is `{"code", "message", "extra"}` (DESIGN.md §8)."""
    if 400 <= response.status_code < 500:
        body = response.json()
        assert set(body) == {"code", "message", "extra"}, body
        assert isinstance(body["code"], str)
        assert isinstance(body["extra"], dict)
    return True


@pytest.fixture
def fuzz_user(db) -> User:  # type: ignore[no-untyped-def]
    return UserFactory()


@pytest.fixture(autouse=True)
def _keep_test_connection_open():  # type: ignore[no-untyped-def]
    """The WSGI handler closes "old" connections after each request, which would close the
    test's transaction; Django's own test client disconnects the same handler."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


pytestmark = pytest.mark.fuzz


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_operation_answers_5xx(case, fuzz_user, settings) -> None:  # type: ignore[no-untyped-def]
    # Throttles would turn most examples into 429s; fuzz the handlers behind them instead.
    settings.KINDRED_THROTTLES = dict.fromkeys(settings.KINDRED_THROTTLES, "100000/1")
    # A fresh token each example: an earlier example may have signed everyone out.
    user = User.objects.get(pk=fuzz_user.pk)
    headers = {"Authorization": f"Bearer {token_pair_for_user(user).access}"}

    response = case.call(headers=headers)

    case.validate_response(response, checks=[not_a_server_error, error_envelope])
