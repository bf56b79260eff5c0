"""The run task against the fake provider (real SDK, real HTTP on loopback): success,
malformed answers, slow answers beyond the timeout, 5xx then success, 429, other 4xx,
refused connections, the retry policy, idempotency and the sweep."""

from datetime import timedelta
from typing import Any

import pytest
from celery.exceptions import Retry
from celery.signals import after_task_publish
from django.utils import timezone

from accounts.tests.factories import UserFactory
from ai_helpers.models import AIJob, AIJobKind, AIJobStatus
from ai_helpers.prompts import SYSTEM_PROMPTS
from ai_helpers.ratelimit import window_key
from ai_helpers.schemas import OPENERS_SCHEMA, PROFILE_ANALYSIS_SCHEMA
from ai_helpers.services import ai_job_request
from ai_helpers.tasks import ai_job_run_task, ai_job_sweep_task, retry_countdown
from ai_helpers.tests.conftest import TEST_MAX_RETRIES
from ai_helpers.tests.factories import make_job, make_match, make_profile
from ai_helpers.tests.fake_openai import error, ok, raw, refused_base_url, slow
from core.redis import get_redis
from matching.models import MatchState
from moderation.models import Block
from notifications.models import Notification

pytestmark = pytest.mark.django_db

ANALYSIS = {
    "score": 72,
    "summary": "A warm profile with room for one more photo.",
    "strengths": ["Specific prompt answers"],
    "suggestions": [{"area": "photos", "tip": "Add a full-length photo."}],
}
OPENERS = {
    "openers": [
        "You bake sourdough too? What's your starter called?",
        "A long ride and fresh bread sounds perfect. Favourite route?",
        "Cycling or baking: which came first for you?",
    ]
}
ALL_ATTEMPTS = 1 + TEST_MAX_RETRIES


def run(job: AIJob, django_capture_on_commit_callbacks: Any) -> AIJob:
    """Run the task as a worker would, with on-commit side effects executed: each Retry it
    raises is delivered again at once with `retries + 1` (the countdown is not waited out),
    as the broker would after the countdown. The countdowns asked for are kept on the job
    object (`job.countdowns`) for the tests."""
    countdowns: list[float] = []
    with django_capture_on_commit_callbacks(execute=True):
        for retries in range(10):
            try:
                ai_job_run_task.apply(args=[str(job.pk)], retries=retries, throw=True)
            except Retry as retry:
                countdowns.append(float(retry.when))  # type: ignore[arg-type]
                continue
            break
        else:
            raise AssertionError("the task kept retrying")
    job.refresh_from_db()
    job.countdowns = countdowns  # type: ignore[attr-defined]
    return job


def openers_job(user: Any) -> AIJob:
    other = UserFactory()
    make_profile(user, interests=("Cycling", "Baking", "Chess"))
    make_profile(
        other,
        display_name="Robin",
        bio="I restore old bicycles.",
        interests=("Baking", "Cycling", "Jazz"),
        prompts=(("My ideal Sunday is", "A long ride and fresh bread."),),
    )
    return make_job(user, kind=AIJobKind.OPENERS, match=make_match(user, other))


def test_analysis_succeeds_with_the_validated_answer_and_is_announced(
    user, fake_openai, socket_of, django_capture_on_commit_callbacks
):
    make_profile(user, bio="Short bio", photos=2)
    job = make_job(user)
    socket = socket_of(user.pk)
    fake_openai.script(ok(ANALYSIS))

    job = run(job, django_capture_on_commit_callbacks)

    assert job.status == AIJobStatus.SUCCEEDED
    assert job.attempts == 1
    assert (job.provider, job.model_name) == ("openai", "fake-model")
    assert job.result == {
        "provider": "openai",
        "model": "fake-model",
        **ANALYSIS,
        "photo_count": 2,
        "missing_steps": ["quiz", "prompts", "matrimony"],
    }
    assert job.error_code == ""
    assert job.finished_at is not None
    # One request, with our key, model and the strict JSON schema.
    [request] = fake_openai.requests
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer sk-test-fake"
    assert request.json["model"] == "fake-model"
    assert request.json["messages"][0] == {
        "role": "system",
        "content": SYSTEM_PROMPTS[AIJobKind.PROFILE_ANALYSIS],
    }
    assert request.json["response_format"] == {
        "type": "json_schema",
        "json_schema": {
            "name": "profile_analysis",
            "strict": True,
            "schema": PROFILE_ANALYSIS_SCHEMA,
        },
    }
    # Pushed to the requester's sockets, and recorded as a notification.
    [event] = socket.events(expected=1)
    assert event["type"] == "ai.job_completed"
    assert event["job"]["id"] == str(job.pk)
    assert event["job"]["status"] == "succeeded"
    assert event["job"]["result"] == job.result
    assert event["job"]["error"] is None
    [notification] = Notification.objects.filter(user=user)
    assert notification.kind == "ai_job_completed"
    assert notification.data == {
        "job_id": str(job.pk),
        "kind": "profile_analysis",
        "match_id": None,
    }


def test_openers_succeed_from_the_match_s_public_facts(
    user, fake_openai, django_capture_on_commit_callbacks
):
    job = openers_job(user)
    fake_openai.script(ok(OPENERS))

    job = run(job, django_capture_on_commit_callbacks)

    assert job.status == AIJobStatus.SUCCEEDED
    assert job.result == {
        "provider": "openai",
        "model": "fake-model",
        "match_id": str(job.match_id),
        "openers": OPENERS["openers"],
        "shared_interests": ["Baking", "Cycling"],
    }
    [request] = fake_openai.requests
    assert request.json["response_format"]["json_schema"]["schema"] == OPENERS_SCHEMA
    assert request.json["messages"][0]["content"] == SYSTEM_PROMPTS[AIJobKind.OPENERS]


def _openers(*texts: str) -> dict[str, Any]:
    return {"openers": list(texts)}


MALFORMED_OPENERS = {
    "not_json": raw("Sure! Here are three openers: 1. Hi 2. Hey 3. Hello"),
    "json_in_prose": raw('Here you go: {"openers": ["a", "b", "c"]}'),
    "a_list": raw('["Hi there!", "Hello!", "Hey!"]'),
    "empty": raw(""),
    "missing_key": ok({"messages": ["Hi!", "Hello!", "Hey!"]}),
    "extra_key": ok({**_openers("Hi!", "Hello!", "Hey!"), "note": "ignored the rules"}),
    "two_openers": ok(_openers("Hi!", "Hello!")),
    "four_openers": ok(_openers("Hi!", "Hello!", "Hey!", "Yo!")),
    "not_strings": ok({"openers": [1, 2, 3]}),
    "blank_opener": ok(_openers("Hi!", "   ", "Hey!")),
    "too_long": ok(_openers("Hi!", "x" * 201, "Hey!")),
    "duplicates": ok(_openers("Hi!", "hi!", "Hey!")),
    "truncated": raw('{"openers": ["Hi!", "Hel', finish_reason="length"),
}


@pytest.mark.parametrize("reply", MALFORMED_OPENERS.values(), ids=MALFORMED_OPENERS.keys())
def test_malformed_openers_fail_the_job_as_invalid_output_without_a_retry(
    user, fake_openai, socket_of, django_capture_on_commit_callbacks, reply
):
    job = openers_job(user)
    socket = socket_of(user.pk)
    fake_openai.script(reply, ok(OPENERS))

    job = run(job, django_capture_on_commit_callbacks)

    assert job.status == AIJobStatus.FAILED
    assert job.error_code == "ai_invalid_output"
    assert job.result is None
    assert job.attempts == 1
    assert len(fake_openai.requests) == 1
    [event] = socket.events(expected=1)
    assert event["job"]["status"] == "failed"
    assert event["job"]["result"] is None
    assert event["job"]["error"] == {
        "code": "ai_invalid_output",
        "message": "The AI service gave an answer we could not use.",
    }
    assert not Notification.objects.filter(user=user).exists()


MALFORMED_ANALYSES = {
    "score_too_high": ok({**ANALYSIS, "score": 101}),
    "score_not_a_number": ok({**ANALYSIS, "score": "72"}),
    "score_a_boolean": ok({**ANALYSIS, "score": True}),
    "unknown_area": ok({**ANALYSIS, "suggestions": [{"area": "salary", "tip": "Earn more."}]}),
    "no_suggestions": ok({**ANALYSIS, "suggestions": []}),
    "suggestion_extra_key": ok(
        {**ANALYSIS, "suggestions": [{"area": "bio", "tip": "More.", "x": 1}]}
    ),
    "missing_summary": ok({key: value for key, value in ANALYSIS.items() if key != "summary"}),
}


@pytest.mark.parametrize("reply", MALFORMED_ANALYSES.values(), ids=MALFORMED_ANALYSES.keys())
def test_malformed_analyses_fail_the_job_as_invalid_output(
    user, fake_openai, django_capture_on_commit_callbacks, reply
):
    make_profile(user)
    job = make_job(user)
    fake_openai.script(reply)

    job = run(job, django_capture_on_commit_callbacks)

    assert (job.status, job.error_code, job.result) == ("failed", "ai_invalid_output", None)
    assert len(fake_openai.requests) == 1


def test_a_slow_answer_times_out_and_is_retried_then_the_job_fails_unavailable(
    user, fake_openai, socket_of, django_capture_on_commit_callbacks
):
    make_profile(user)
    job = make_job(user)
    socket = socket_of(user.pk)
    fake_openai.script(*[slow(5.0, ok(ANALYSIS))] * ALL_ATTEMPTS)

    job = run(job, django_capture_on_commit_callbacks)

    assert job.status == AIJobStatus.FAILED
    assert job.error_code == "ai_unavailable"
    assert job.error_message == "The AI service is unavailable right now. Please try again later."
    assert job.attempts == ALL_ATTEMPTS
    assert len(fake_openai.requests) == ALL_ATTEMPTS
    [event] = socket.events(expected=1)
    assert event["job"]["error"]["code"] == "ai_unavailable"


def test_a_slow_answer_within_the_retries_still_succeeds(
    user, fake_openai, django_capture_on_commit_callbacks
):
    make_profile(user)
    job = make_job(user)
    fake_openai.script(slow(5.0, ok(ANALYSIS)), ok(ANALYSIS))

    job = run(job, django_capture_on_commit_callbacks)

    assert (job.status, job.attempts) == (AIJobStatus.SUCCEEDED, 2)


def test_5xx_answers_are_retried_with_backoff_until_the_provider_answers(
    user, fake_openai, settings, socket_of, django_capture_on_commit_callbacks
):
    settings.KINDRED_AI_RETRY_BACKOFF_SECONDS = 4.0
    job = openers_job(user)
    socket = socket_of(user.pk)
    fake_openai.script(error(500), error(503), ok(OPENERS))

    job = run(job, django_capture_on_commit_callbacks)

    assert job.status == AIJobStatus.SUCCEEDED
    assert job.result["openers"] == OPENERS["openers"]
    assert job.attempts == 3
    assert len(fake_openai.requests) == 3
    # Exponential backoff with jitter: retry 1 after 2–4 s, retry 2 after 4–8 s.
    first, second = job.countdowns
    assert 2.0 <= first <= 4.0
    assert 4.0 <= second <= 8.0
    # One announcement, for the final state only.
    assert [event["job"]["status"] for event in socket.events(expected=1)] == ["succeeded"]


def test_5xx_beyond_the_retry_budget_fails_unavailable_and_gives_the_slot_back(
    user, fake_openai, django_capture_on_commit_callbacks
):
    make_profile(user)
    with django_capture_on_commit_callbacks(execute=False):
        job = ai_job_request(user=user, kind=AIJobKind.PROFILE_ANALYSIS)
    key = window_key("profile_analysis", str(user.pk))
    assert get_redis().zscore(key, str(job.pk)) is not None
    fake_openai.script(*[error(502)] * (ALL_ATTEMPTS + 1))

    job = run(job, django_capture_on_commit_callbacks)

    assert (job.status, job.error_code, job.attempts) == ("failed", "ai_unavailable", 3)
    assert len(fake_openai.requests) == ALL_ATTEMPTS
    assert get_redis().zscore(key, str(job.pk)) is None


def test_provider_429_is_not_retried_fails_unavailable_and_gives_the_slot_back(
    user, fake_openai, django_capture_on_commit_callbacks
):
    make_profile(user)
    with django_capture_on_commit_callbacks(execute=False):
        job = ai_job_request(user=user, kind=AIJobKind.PROFILE_ANALYSIS)
    fake_openai.script(error(429, "Rate limit reached", retry_after="20"), ok(ANALYSIS))

    job = run(job, django_capture_on_commit_callbacks)

    assert (job.status, job.error_code, job.attempts) == ("failed", "ai_unavailable", 1)
    assert len(fake_openai.requests) == 1
    assert get_redis().zscore(window_key("profile_analysis", str(user.pk)), str(job.pk)) is None


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_other_provider_4xx_fail_the_job_without_a_retry(
    user, fake_openai, django_capture_on_commit_callbacks, status
):
    make_profile(user)
    with django_capture_on_commit_callbacks(execute=False):
        job = ai_job_request(user=user, kind=AIJobKind.PROFILE_ANALYSIS)
    fake_openai.script(error(status), ok(ANALYSIS))

    job = run(job, django_capture_on_commit_callbacks)

    assert (job.status, job.error_code, job.attempts) == ("failed", "ai_rejected", 1)
    assert len(fake_openai.requests) == 1
    # Not an outage: the slot stays taken.
    key = window_key("profile_analysis", str(user.pk))
    assert get_redis().zscore(key, str(job.pk)) is not None


def test_a_refused_connection_is_retried_then_the_job_fails_unavailable(
    user, fake_openai, settings, django_capture_on_commit_callbacks
):
    settings.KINDRED_AI_BASE_URL = refused_base_url()
    make_profile(user)
    job = make_job(user)

    job = run(job, django_capture_on_commit_callbacks)

    assert (job.status, job.error_code) == ("failed", "ai_unavailable")
    assert job.attempts == ALL_ATTEMPTS
    assert fake_openai.requests == []


def test_a_transient_failure_schedules_a_retry_with_backoff_on_the_ai_queue(
    user, fake_openai, settings
):
    """Outside eager mode: the retry is published with its countdown, to queue `ai`."""
    settings.KINDRED_AI_RETRY_BACKOFF_SECONDS = 8.0
    make_profile(user)
    job = make_job(user)
    fake_openai.script(error(500))
    published: list[dict[str, Any]] = []

    def record(sender: Any = None, headers: Any = None, routing_key: Any = None, **kwargs: Any):
        published.append({"task": sender, "routing_key": routing_key, "headers": headers})

    after_task_publish.connect(record)
    ai_job_run_task.push_request(
        id="worker-run", args=[str(job.pk)], kwargs={}, retries=1, called_directly=False
    )
    try:
        with pytest.raises(Retry) as raised:
            ai_job_run_task.run(str(job.pk))
    finally:
        ai_job_run_task.pop_request()
        after_task_publish.disconnect(record)

    # Retry 2 waits between half and all of 8 * 2**1 seconds.
    assert 8.0 <= raised.value.when <= 16.0
    [message] = published
    assert message["task"] == "ai_helpers.run_job"
    assert message["routing_key"] == "ai"
    assert message["headers"]["retries"] == 2
    assert message["headers"]["argsrepr"] == repr((str(job.pk),))
    job.refresh_from_db()
    assert (job.status, job.attempts) == (AIJobStatus.RUNNING, 1)


def test_retry_countdown_doubles_with_jitter_up_to_the_cap(settings):
    settings.KINDRED_AI_RETRY_BACKOFF_SECONDS = 5.0
    settings.KINDRED_AI_RETRY_BACKOFF_MAX_SECONDS = 30.0
    for retries, ceiling in [(0, 5.0), (1, 10.0), (2, 20.0), (3, 30.0), (9, 30.0)]:
        delays = [retry_countdown(retries) for _ in range(50)]
        assert all(ceiling / 2 <= delay <= ceiling for delay in delays)


def test_a_finished_job_is_not_run_again(user, fake_openai, django_capture_on_commit_callbacks):
    make_profile(user)
    job = make_job(user, status=AIJobStatus.SUCCEEDED, result={"kept": True}, attempts=1)
    fake_openai.script(ok(ANALYSIS))

    job = run(job, django_capture_on_commit_callbacks)

    assert (job.status, job.result, job.attempts) == ("succeeded", {"kept": True}, 1)
    assert fake_openai.requests == []
    assert not Notification.objects.exists()


@pytest.mark.parametrize("ending", ["unmatched", "blocked"])
def test_an_openers_job_fails_when_its_match_ended_before_it_ran(
    user, fake_openai, django_capture_on_commit_callbacks, ending
):
    job = openers_job(user)
    assert job.match is not None
    if ending == "unmatched":
        job.match.state = MatchState.UNMATCHED
        job.match.save(update_fields=["state"])
    else:
        other_id = job.match.other_user_id(user.pk)
        Block.objects.create(blocker_id=other_id, blocked_id=user.pk)
    fake_openai.script(ok(OPENERS))

    job = run(job, django_capture_on_commit_callbacks)

    assert (job.status, job.error_code, job.result) == ("failed", "match_unavailable", None)
    assert fake_openai.requests == []


def test_without_a_key_the_local_provider_answers_and_says_so(
    user, local_ai, django_capture_on_commit_callbacks
):
    make_profile(user, bio="Short bio", photos=2)
    job = make_job(user)

    job = run(job, django_capture_on_commit_callbacks)

    assert job.status == AIJobStatus.SUCCEEDED
    assert (job.provider, job.model_name) == ("local", "rules-v1")
    assert job.result["provider"] == "local"
    assert job.result["model"] == "rules-v1"


def test_the_sweep_fails_lost_jobs_and_deletes_expired_ones(
    user, settings, django_capture_on_commit_callbacks
):
    settings.KINDRED_AI_JOB_STALE_SECONDS = 600
    settings.KINDRED_AI_JOB_RETENTION_DAYS = 30
    now = timezone.now()
    lost = make_job(user)
    running = make_job(user, status=AIJobStatus.RUNNING)
    fresh = make_job(user)
    expired = make_job(user, status=AIJobStatus.FAILED, error_code="ai_failed")
    kept = make_job(user, status=AIJobStatus.SUCCEEDED, result={})
    for job, age in [
        (lost, timedelta(minutes=11)),
        (running, timedelta(minutes=30)),
        (fresh, timedelta(minutes=9)),
        (expired, timedelta(days=31)),
        (kept, timedelta(days=29)),
    ]:
        AIJob.objects.filter(pk=job.pk).update(created_at=now - age)

    with django_capture_on_commit_callbacks(execute=True):
        assert ai_job_sweep_task() == {"failed": 2, "deleted": 1}
        assert ai_job_sweep_task() == {"failed": 0, "deleted": 0}

    states = dict(AIJob.objects.values_list("pk", "status"))
    assert states == {
        lost.pk: "failed",
        running.pk: "failed",
        fresh.pk: "queued",
        kept.pk: "succeeded",
    }
    assert AIJob.objects.get(pk=lost.pk).error_code == "ai_unavailable"


def test_in_eager_mode_a_transient_failure_is_final_at_once(
    user, fake_openai, settings, django_capture_on_commit_callbacks
):
    """The embedded run without Redis executes tasks inside the request: no retries there."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    make_profile(user)
    job = make_job(user)
    fake_openai.script(error(500), ok(ANALYSIS))

    job = run(job, django_capture_on_commit_callbacks)

    assert (job.status, job.error_code, job.attempts) == ("failed", "ai_unavailable", 1)
    assert job.countdowns == []
    assert len(fake_openai.requests) == 1
