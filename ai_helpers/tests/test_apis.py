"""The endpoints: 202 with a queued job (the work is queued on commit, on the `ai`
queue), reading a job (mine only), refusals, and the sliding-window rate limits."""

from typing import Any

import pytest
from celery.signals import after_task_publish
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tests.factories import UserFactory
from accounts.tokens import token_pair_for_user
from ai_helpers.models import AIJob, AIJobStatus
from ai_helpers.ratelimit import window_key
from ai_helpers.services import _enqueue_run
from ai_helpers.tasks import ai_job_run_task
from ai_helpers.tests.factories import make_job, make_match, make_profile
from core.redis import get_redis
from core.testing import run_in_threads
from matching.models import MatchState
from moderation.models import Block

pytestmark = pytest.mark.django_db

ANALYSIS = "/api/v1/ai/profile-analysis"
OPENERS = "/api/v1/ai/openers"


def job_url(job_id: Any) -> str:
    return f"/api/v1/ai/jobs/{job_id}"


def client_for(user: User) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_pair_for_user(user).access}")
    return client


@pytest.fixture
def published():  # type: ignore[no-untyped-def]
    """Task messages handed to the broker: (task name, routing key, args)."""
    messages: list[tuple[str, str, str]] = []

    def record(sender: Any = None, headers: Any = None, routing_key: Any = None, **kwargs: Any):
        messages.append((sender, routing_key, headers["argsrepr"]))

    after_task_publish.connect(record)
    yield messages
    after_task_publish.disconnect(record)


def test_profile_analysis_answers_202_with_a_queued_job_queued_on_commit_to_the_ai_queue(
    auth_client, user, published, django_capture_on_commit_callbacks
):
    make_profile(user)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = auth_client.post(ANALYSIS)

    assert response.status_code == 202
    job = AIJob.objects.get(user=user)
    assert response.json() == {
        "id": str(job.pk),
        "kind": "profile_analysis",
        "status": "queued",
        "match_id": None,
        "result": None,
        "error": None,
        "created_at": job.created_at.isoformat().replace("+00:00", "Z"),
        "finished_at": None,
    }
    # The task is queued only once the job committed, and travels on the `ai` queue.
    queued = [callback for callback in callbacks if callback.func is _enqueue_run]
    assert [callback.args for callback in queued] == [(str(job.pk),)]
    assert published == [("ai_helpers.run_job", "ai", repr((str(job.pk),)))]


def test_a_profile_analysis_runs_end_to_end_with_the_local_provider(
    auth_client, user, local_ai, django_capture_on_commit_callbacks
):
    make_profile(user, bio="", photos=1)
    response = auth_client.post(ANALYSIS)
    job_id = response.json()["id"]

    with django_capture_on_commit_callbacks(execute=True):
        ai_job_run_task.apply(args=[job_id])
    body = auth_client.get(job_url(job_id)).json()

    assert body["status"] == "succeeded"
    assert body["error"] is None
    result = body["result"]
    assert result["provider"] == "local"
    assert result["photo_count"] == 1
    assert 0 <= result["score"] <= 100
    areas = [suggestion["area"] for suggestion in result["suggestions"]]
    assert {"photos", "bio", "prompts", "interests"} <= set(areas)
    assert body["finished_at"] is not None


def test_openers_answer_202_for_my_open_match(
    auth_client, user, published, django_capture_on_commit_callbacks
):
    other = UserFactory()
    match = make_match(user, other, state=MatchState.DATING)

    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client.post(OPENERS, {"match_id": str(match.pk)})

    assert response.status_code == 202
    body = response.json()
    assert (body["kind"], body["status"], body["match_id"]) == ("openers", "queued", str(match.pk))
    assert AIJob.objects.get(pk=body["id"]).match_id == match.pk
    assert [message[0:2] for message in published] == [("ai_helpers.run_job", "ai")]


def test_openers_run_end_to_end_with_the_local_provider(
    auth_client, user, local_ai, django_capture_on_commit_callbacks
):
    other = UserFactory()
    make_profile(user, interests=("Cycling", "Chess"))
    make_profile(
        other,
        display_name="Robin Hood",
        interests=("Cycling", "Jazz"),
        prompts=(("My ideal Sunday is", "A long ride."),),
    )
    match = make_match(user, other)
    job_id = auth_client.post(OPENERS, {"match_id": str(match.pk)}).json()["id"]

    with django_capture_on_commit_callbacks(execute=True):
        ai_job_run_task.apply(args=[job_id])
    result = auth_client.get(job_url(job_id)).json()["result"]

    assert result == {
        "provider": "local",
        "model": "rules-v1",
        "match_id": str(match.pk),
        "openers": [
            "Hi Robin! You're into Cycling too! What got you started?",
            "I liked your answer to “My ideal Sunday is”, what's the story behind it?",
            "I see you're into Jazz. How did that start?",
        ],
        "shared_interests": ["Cycling"],
    }


def _refused_match(user: User, case: str) -> str:
    other = UserFactory()
    if case == "missing":
        return "00000000-0000-4000-8000-000000000000"
    if case == "someone_else_s":
        return str(make_match(other, UserFactory()).pk)
    if case == "unmatched":
        return str(make_match(user, other, state=MatchState.UNMATCHED).pk)
    if case == "deleted":
        return str(make_match(user, other, state=MatchState.DELETED).pk)
    assert case == "blocked"
    match = make_match(user, other)
    Block.objects.create(blocker=other, blocked=user)
    return str(match.pk)


@pytest.mark.parametrize("case", ["missing", "someone_else_s", "unmatched", "deleted", "blocked"])
def test_openers_refuse_a_match_that_is_not_my_open_one_with_404_and_nothing_happens(
    auth_client, user, published, django_capture_on_commit_callbacks, case
):
    match_id = _refused_match(user, case)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = auth_client.post(OPENERS, {"match_id": match_id})

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "No such match.", "extra": {}}
    assert not AIJob.objects.exists()
    assert callbacks == []
    assert published == []
    # No slot was taken.
    assert not get_redis().exists(window_key("openers", str(user.pk)))


@pytest.mark.parametrize(
    "payload", [{}, {"match_id": "nope"}, {"match_id": None}, {"match_id": ["a", "b"]}]
)
def test_openers_validate_the_match_id(auth_client, user, payload):
    response = auth_client.post(OPENERS, payload, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert "match_id" in response.json()["extra"]["fields"]
    assert not AIJob.objects.exists()
    assert not get_redis().exists(window_key("openers", str(user.pk)))


def test_a_job_is_readable_by_its_requester_only(auth_client, user):
    job = make_job(UserFactory())
    mine = make_job(
        user,
        status=AIJobStatus.FAILED,
        error_code="ai_unavailable",
        error_message="The AI service is unavailable right now.",
    )

    foreign = auth_client.get(job_url(job.pk))
    missing = auth_client.get(job_url("00000000-0000-4000-8000-000000000000"))
    not_an_id = auth_client.get("/api/v1/ai/jobs/not-a-uuid")
    own = auth_client.get(job_url(mine.pk))

    assert foreign.status_code == missing.status_code == not_an_id.status_code == 404
    assert (
        foreign.json()
        == missing.json()
        == {
            "code": "not_found",
            "message": "No such job.",
            "extra": {},
        }
    )
    assert own.status_code == 200
    assert own.json()["status"] == "failed"
    assert own.json()["result"] is None
    assert own.json()["error"] == {
        "code": "ai_unavailable",
        "message": "The AI service is unavailable right now.",
    }


def test_a_job_shows_its_result_only_once_it_succeeded(auth_client, user):
    running = make_job(user, status=AIJobStatus.RUNNING)

    assert auth_client.get(job_url(running.pk)).json()["result"] is None
    assert auth_client.get(job_url(running.pk)).json()["status"] == "running"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", ANALYSIS),
        ("post", OPENERS),
        ("get", job_url("00000000-0000-4000-8000-000000000001")),
    ],
)
def test_the_endpoints_need_authentication(api_client, method, path):
    response = getattr(api_client, method)(path)

    assert response.status_code == 401
    assert not AIJob.objects.exists()


def test_past_the_limit_a_request_gets_429_with_retry_after_and_nothing_is_created(
    auth_client, user, settings, published, django_capture_on_commit_callbacks
):
    settings.KINDRED_AI_RATE_LIMITS = {"profile_analysis": "3/3600", "openers": "5/3600"}
    with django_capture_on_commit_callbacks(execute=True):
        statuses = [auth_client.post(ANALYSIS).status_code for _ in range(3)]
        refused = auth_client.post(ANALYSIS)

    assert statuses == [202, 202, 202]
    assert refused.status_code == 429
    assert refused.json() == {
        "code": "ai_rate_limited",
        "message": "You can ask for this 3 times per hour.",
        "extra": {"retry_after": int(refused["Retry-After"]), "limit": 3, "window_seconds": 3600},
    }
    assert 3590 <= int(refused["Retry-After"]) <= 3600
    assert AIJob.objects.filter(user=user).count() == 3
    assert len(published) == 3


def test_limits_are_per_kind_and_per_person_and_come_from_settings(auth_client, user, settings):
    settings.KINDRED_AI_RATE_LIMITS = {"profile_analysis": "1/60", "openers": "2/60"}
    match = make_match(user, UserFactory())
    someone = UserFactory()

    analyses = [auth_client.post(ANALYSIS).status_code for _ in range(2)]
    openers = [auth_client.post(OPENERS, {"match_id": str(match.pk)}).status_code for _ in range(3)]
    their_analysis = client_for(someone).post(ANALYSIS).status_code

    assert analyses == [202, 429]
    assert openers == [202, 202, 429]
    assert their_analysis == 202


def _seed_window(user: User, scope: str, ages_in_seconds: list[float]) -> None:
    """Entries admitted `ages` ago, on Redis's clock (the one the limiter uses)."""
    client = get_redis()
    seconds, microseconds = client.time()
    now_ms = seconds * 1000 + microseconds // 1000
    client.zadd(
        window_key(scope, str(user.pk)),
        {f"seeded-{index}": now_ms - age * 1000 for index, age in enumerate(ages_in_seconds)},
    )


def test_the_window_slides_a_slot_frees_exactly_one_window_after_it_was_taken(
    auth_client, user, settings
):
    settings.KINDRED_AI_RATE_LIMITS = {"profile_analysis": "3/3600", "openers": "5/3600"}
    # Three taken 50 minutes, 10 minutes and 1 minute ago: the oldest frees in 10 minutes,
    # not when some fixed hour ends.
    _seed_window(user, "profile_analysis", [3000, 600, 60])

    refused = auth_client.post(ANALYSIS)

    assert refused.status_code == 429
    assert 598 <= int(refused["Retry-After"]) <= 600
    assert not AIJob.objects.exists()

    # Once the oldest is more than an hour old, exactly one slot is free again.
    get_redis().delete(window_key("profile_analysis", str(user.pk)))
    _seed_window(user, "profile_analysis", [3601, 600, 60])

    assert auth_client.post(ANALYSIS).status_code == 202
    again = auth_client.post(ANALYSIS)
    assert again.status_code == 429
    # Now the oldest is the one taken 10 minutes ago: it frees in 50 minutes.
    assert 2998 <= int(again["Retry-After"]) <= 3000


@pytest.mark.django_db(transaction=True)
def test_the_limit_holds_under_concurrent_requests(settings):
    settings.KINDRED_AI_RATE_LIMITS = {"profile_analysis": "3/3600", "openers": "5/3600"}
    user = UserFactory()
    make_profile(user)
    token = token_pair_for_user(user).access

    def post() -> int:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        return client.post(ANALYSIS).status_code

    statuses = run_in_threads(post, 12)

    assert sorted(statuses) == [202] * 3 + [429] * 9
    assert AIJob.objects.filter(user=user).count() == 3
    assert get_redis().zcard(window_key("profile_analysis", str(user.pk))) == 3
