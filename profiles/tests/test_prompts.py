import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from accounts.tokens import token_pair_for_user
from core.exceptions import ValidationFailed
from core.testing import run_in_threads
from profiles.models import Interest, Prompt, PromptAnswer, QuizQuestion
from profiles.prompt_services import prompt_answer_create
from profiles.quiz_tasks import refresh_badges_task
from profiles.tests.quiz_factories import PromptAnswerFactory, PromptFactory

pytestmark = pytest.mark.django_db

CATALOG = "/api/v1/prompts"
ANSWERS = "/api/v1/profile/prompts"


def answer_url(answer_id: object) -> str:
    return f"{ANSWERS}/{answer_id}"


@pytest.fixture(autouse=True)
def _without_seeded_prompts(db):  # type: ignore[no-untyped-def]
    """Tests build their own catalog; the seeded one is checked in test_quiz."""
    Prompt.objects.all().delete()


def client_for(user) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_pair_for_user(user).access}")
    return client


def badge_refresh_of(user) -> list:  # type: ignore[no-untyped-def]
    return [(refresh_badges_task.delay, (str(user.pk),))]


def scheduled(callbacks: list) -> list:
    return [(callback.func, callback.args) for callback in callbacks]


def answer_body(answer: PromptAnswer) -> dict:
    return {
        "id": str(answer.pk),
        "prompt": {"id": str(answer.prompt.pk), "text": answer.prompt.text},
        "answer": answer.answer,
        "position": answer.position,
    }


def positions_of(user) -> list[tuple[str, int]]:  # type: ignore[no-untyped-def]
    return list(
        PromptAnswer.objects.filter(profile_id=user.pk)
        .order_by("position")
        .values_list("answer", "position")
    )


# --- catalog ----------------------------------------------------------------------------------


def test_catalog_lists_active_prompts_by_category_and_text(auth_client):
    sunday = PromptFactory(text="My ideal Sunday is…", category="About me")
    fear = PromptFactory(text="My irrational fear is…", category="About me")
    date = PromptFactory(text="Best first date…", category="Dating")
    PromptFactory(text="Retired prompt", category="About me", is_active=False)

    response = auth_client.get(CATALOG)

    assert response.status_code == 200
    assert response.json() == {
        "results": [
            {"id": str(sunday.pk), "text": "My ideal Sunday is…", "category": "About me"},
            {"id": str(fear.pk), "text": "My irrational fear is…", "category": "About me"},
            {"id": str(date.pk), "text": "Best first date…", "category": "Dating"},
        ],
        "next": None,
    }


def test_catalog_requires_authentication(api_client):
    response = api_client.get(CATALOG)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize("count", [1, 30])
def test_catalog_takes_the_same_queries_for_one_and_many_prompts(
    auth_client, django_assert_num_queries, count
):
    PromptFactory.create_batch(count)
    auth_client.get(CATALOG)  # the first request of a session also records last_seen_at

    # The user, the prompts.
    with django_assert_num_queries(2):
        response = auth_client.get(CATALOG)

    assert len(response.json()["results"]) == count


# --- creating answers -------------------------------------------------------------------------


def test_answering_a_prompt_trims_stores_and_queues_a_badge_refresh(
    user, auth_client, django_capture_on_commit_callbacks
):
    prompt = PromptFactory(text="My ideal Sunday is…")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = auth_client.post(
            ANSWERS, {"prompt_id": str(prompt.pk), "answer": "  Pancakes, then a long walk.  "}
        )

    assert response.status_code == 201
    answer = PromptAnswer.objects.get(profile_id=user.pk)
    assert answer.answer == "Pancakes, then a long walk."
    assert answer.position == 0
    assert response.json() == answer_body(answer)
    assert scheduled(callbacks) == badge_refresh_of(user)


def test_new_answers_go_last(user, auth_client):
    for text in ("first", "second", "third"):
        response = auth_client.post(ANSWERS, {"prompt_id": str(PromptFactory().pk), "answer": text})
        assert response.status_code == 201

    assert positions_of(user) == [("first", 0), ("second", 1), ("third", 2)]


def test_an_answer_of_300_characters_after_trimming_is_accepted(user, auth_client):
    text = "x" * 300

    response = auth_client.post(
        ANSWERS, {"prompt_id": str(PromptFactory().pk), "answer": f"   {text}\n"}
    )

    assert response.status_code == 201
    assert PromptAnswer.objects.get(profile_id=user.pk).answer == text


@pytest.mark.parametrize("text", ["", "   ", "\n\t ", "x" * 301])
def test_blank_or_too_long_answers_are_refused(
    user, auth_client, django_capture_on_commit_callbacks, text
):
    prompt = PromptFactory()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = auth_client.post(ANSWERS, {"prompt_id": str(prompt.pk), "answer": text})

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert list(body["extra"]["fields"]) == ["answer"]
    assert not PromptAnswer.objects.exists()
    assert callbacks == []


def test_the_service_refuses_a_whitespace_answer_on_its_own(user):
    prompt = PromptFactory()

    with pytest.raises(ValidationFailed) as caught:
        prompt_answer_create(user=user, prompt_id=prompt.pk, answer="   ")

    assert caught.value.extra == {"fields": {"answer": ["Write an answer."]}}
    assert not PromptAnswer.objects.exists()


@pytest.mark.parametrize("is_known", [False, True], ids=["unknown", "inactive"])
def test_unknown_or_inactive_prompts_are_refused(
    user, auth_client, django_capture_on_commit_callbacks, is_known
):
    inactive = PromptFactory(is_active=False)
    prompt_id = str(inactive.pk) if is_known else "00000000-0000-4000-8000-000000000000"

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = auth_client.post(ANSWERS, {"prompt_id": prompt_id, "answer": "Hello"})

    assert response.status_code == 400
    assert response.json() == {
        "code": "validation_error",
        "message": "Some fields are invalid.",
        "extra": {"fields": {"prompt_id": ["Pick a prompt from the catalog."]}},
    }
    assert not PromptAnswer.objects.exists()
    assert callbacks == []


def test_a_malformed_prompt_id_is_refused(auth_client):
    response = auth_client.post(ANSWERS, {"prompt_id": "nope", "answer": "Hello"})

    assert response.status_code == 400
    assert list(response.json()["extra"]["fields"]) == ["prompt_id"]
    assert not PromptAnswer.objects.exists()


def test_a_fourth_answer_is_refused_with_409(user, auth_client, django_capture_on_commit_callbacks):
    for position in range(3):
        PromptAnswerFactory(profile=user.profile, position=position)
    prompt = PromptFactory()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = auth_client.post(ANSWERS, {"prompt_id": str(prompt.pk), "answer": "One more"})

    assert response.status_code == 409
    assert response.json() == {
        "code": "prompt_answer_limit",
        "message": "A profile shows at most 3 prompt answers.",
        "extra": {"limit": 3},
    }
    assert PromptAnswer.objects.filter(profile_id=user.pk).count() == 3
    assert not PromptAnswer.objects.filter(prompt=prompt).exists()
    assert callbacks == []


def test_answering_the_same_prompt_twice_is_refused_with_409(
    user, auth_client, django_capture_on_commit_callbacks
):
    existing = PromptAnswerFactory(profile=user.profile, answer="First take")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = auth_client.post(
            ANSWERS, {"prompt_id": str(existing.prompt.pk), "answer": "Second take"}
        )

    assert response.status_code == 409
    assert response.json()["code"] == "prompt_already_answered"
    assert response.json()["extra"] == {"prompt_id": str(existing.prompt.pk)}
    assert positions_of(user) == [("First take", 0)]
    assert callbacks == []


def test_another_person_may_answer_the_same_prompt(user, auth_client):
    other = PromptAnswerFactory(profile=UserFactory().profile)

    response = auth_client.post(ANSWERS, {"prompt_id": str(other.prompt.pk), "answer": "Mine"})

    assert response.status_code == 201


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_answers_at_two_cannot_make_four():
    user = UserFactory()
    PromptAnswerFactory(profile=user.profile, position=0)
    PromptAnswerFactory(profile=user.profile, position=1)
    payloads = [{"prompt_id": str(PromptFactory().pk), "answer": "Racing"} for _ in range(2)]

    def answer() -> int:
        return client_for(user).post(ANSWERS, payloads.pop()).status_code

    statuses = run_in_threads(answer, 2)

    assert sorted(statuses) == [201, 409]
    assert PromptAnswer.objects.filter(profile_id=user.pk).count() == 3
    assert sorted(PromptAnswer.objects.values_list("position", flat=True)) == [0, 1, 2]


# --- listing own answers ----------------------------------------------------------------------


def test_own_answers_are_listed_in_position_order(user, auth_client):
    second = PromptAnswerFactory(profile=user.profile, position=1, answer="Second")
    first = PromptAnswerFactory(profile=user.profile, position=0, answer="First")
    PromptAnswerFactory(profile=UserFactory().profile, position=0, answer="Not mine")

    response = auth_client.get(ANSWERS)

    assert response.status_code == 200
    assert response.json() == {"results": [answer_body(first), answer_body(second)], "next": None}


@pytest.mark.parametrize("count", [1, 3])
def test_own_answers_take_the_same_queries_for_one_and_three(
    user, auth_client, django_assert_num_queries, count
):
    for position in range(count):
        PromptAnswerFactory(profile=user.profile, position=position)
    auth_client.get(ANSWERS)

    # The user, the answers with their prompts.
    with django_assert_num_queries(2):
        response = auth_client.get(ANSWERS)

    assert len(response.json()["results"]) == count


# --- editing and deleting ---------------------------------------------------------------------


def test_patch_edits_the_text(user, auth_client, django_capture_on_commit_callbacks):
    answer = PromptAnswerFactory(profile=user.profile, answer="Old")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = auth_client.patch(answer_url(answer.pk), {"answer": "  New  "})

    assert response.status_code == 200
    answer.refresh_from_db()
    assert answer.answer == "New"
    assert response.json() == answer_body(answer)
    assert scheduled(callbacks) == badge_refresh_of(user)


def test_patch_moves_an_answer_and_shifts_the_others(user, auth_client):
    answers = [
        PromptAnswerFactory(profile=user.profile, position=index, answer=text)
        for index, text in enumerate(["a", "b", "c"])
    ]

    response = auth_client.patch(answer_url(answers[2].pk), {"position": 0})

    assert response.status_code == 200
    assert response.json()["position"] == 0
    assert positions_of(user) == [("c", 0), ("a", 1), ("b", 2)]


def test_patch_with_text_and_position_does_both(user, auth_client):
    first = PromptAnswerFactory(profile=user.profile, position=0, answer="a")
    PromptAnswerFactory(profile=user.profile, position=1, answer="b")

    response = auth_client.patch(answer_url(first.pk), {"answer": "A", "position": 1})

    assert response.status_code == 200
    assert positions_of(user) == [("b", 0), ("A", 1)]


def test_patch_refuses_a_position_past_the_end(user, auth_client):
    answer = PromptAnswerFactory(profile=user.profile, position=0, answer="only")
    PromptAnswerFactory(profile=user.profile, position=1, answer="second")

    response = auth_client.patch(answer_url(answer.pk), {"position": 2, "answer": "changed"})

    assert response.status_code == 400
    assert response.json()["extra"]["fields"] == {"position": ["Pick a position from 0 to 1."]}
    assert positions_of(user) == [("only", 0), ("second", 1)]


def test_patch_refuses_a_blank_text(user, auth_client):
    answer = PromptAnswerFactory(profile=user.profile, answer="Keep me")

    response = auth_client.patch(answer_url(answer.pk), {"answer": "   "})

    assert response.status_code == 400
    assert list(response.json()["extra"]["fields"]) == ["answer"]
    answer.refresh_from_db()
    assert answer.answer == "Keep me"


def test_patch_that_changes_nothing_writes_and_queues_nothing(
    user, auth_client, django_capture_on_commit_callbacks
):
    answer = PromptAnswerFactory(profile=user.profile, answer="Same")
    before = PromptAnswer.objects.get(pk=answer.pk).updated_at

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = auth_client.patch(answer_url(answer.pk), {"answer": "Same", "position": 0})

    assert response.status_code == 200
    assert PromptAnswer.objects.get(pk=answer.pk).updated_at == before
    assert callbacks == []


@pytest.mark.parametrize("method", ["patch", "delete"])
def test_another_persons_answer_is_not_found(
    auth_client, django_capture_on_commit_callbacks, method
):
    theirs = PromptAnswerFactory(profile=UserFactory().profile, answer="Theirs")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = getattr(auth_client, method)(answer_url(theirs.pk), {"answer": "Mine now"})

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    theirs.refresh_from_db()
    assert theirs.answer == "Theirs"
    assert callbacks == []


def test_delete_removes_the_answer_and_closes_the_gap(
    user, auth_client, django_capture_on_commit_callbacks
):
    answers = [
        PromptAnswerFactory(profile=user.profile, position=index, answer=text)
        for index, text in enumerate(["a", "b", "c"])
    ]

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = auth_client.delete(answer_url(answers[0].pk))

    assert response.status_code == 204
    assert positions_of(user) == [("b", 0), ("c", 1)]
    assert scheduled(callbacks) == badge_refresh_of(user)


def test_delete_of_a_missing_answer_is_not_found(user, auth_client):
    PromptAnswerFactory(profile=user.profile)

    response = auth_client.delete(answer_url("00000000-0000-4000-8000-000000000000"))

    assert response.status_code == 404
    assert PromptAnswer.objects.count() == 1


# --- admin ------------------------------------------------------------------------------------


@pytest.fixture
def admin_client() -> Client:
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("model", ["interest", "prompt", "quizquestion"])
@pytest.mark.parametrize("page", ["", "add/"])
def test_catalog_admin_pages_load(admin_client, model, page):
    PromptAnswerFactory(profile=UserFactory().profile)

    response = admin_client.get(f"/admin/profiles/{model}/{page}")

    assert response.status_code == 200


def test_catalog_admin_searches_and_filters_prompts(admin_client):
    PromptFactory(text="Findable prompt", is_active=False)
    PromptFactory(text="Other prompt")

    found = admin_client.get("/admin/profiles/prompt/", {"q": "findable"}).content.decode()
    inactive = admin_client.get("/admin/profiles/prompt/", {"is_active__exact": "0"})

    assert "Findable prompt" in found
    assert "Other prompt" not in found
    assert "Findable prompt" in inactive.content.decode()
    assert "Other prompt" not in inactive.content.decode()


def test_catalog_admin_change_pages_of_seeded_rows_load(admin_client):
    interest = Interest.objects.order_by("slug").first()
    question = QuizQuestion.objects.order_by("position").first()
    assert interest is not None
    assert question is not None

    for url in (
        f"/admin/profiles/interest/{interest.pk}/change/",
        f"/admin/profiles/quizquestion/{question.pk}/change/",
    ):
        assert admin_client.get(url).status_code == 200


def _question_form(weights: str) -> dict[str, str]:
    return {
        "text": "Pineapple on pizza?",
        "position": "77",
        "is_active": "on",
        "options-TOTAL_FORMS": "2",
        "options-INITIAL_FORMS": "0",
        "options-MIN_NUM_FORMS": "2",
        "options-MAX_NUM_FORMS": "1000",
        "options-0-position": "1",
        "options-0-text": "Yes",
        "options-0-trait_weights": weights,
        "options-1-position": "2",
        "options-1-text": "No",
        "options-1-trait_weights": "{}",
    }


def test_quiz_admin_creates_a_question_with_its_options(admin_client):
    response = admin_client.post(
        "/admin/profiles/quizquestion/add/", _question_form('{"adventure": 2}')
    )

    assert response.status_code == 302
    question = QuizQuestion.objects.get(position=77)
    assert list(question.options.order_by("position").values_list("text", "trait_weights")) == [
        ("Yes", {"adventure": 2}),
        ("No", {}),
    ]


@pytest.mark.parametrize("weights", ['{"charisma": 1}', '{"adventure": 1.5}', "[1, 2]"])
def test_quiz_admin_refuses_weights_of_unknown_traits_or_bad_values(admin_client, weights):
    response = admin_client.post("/admin/profiles/quizquestion/add/", _question_form(weights))

    assert response.status_code == 200
    forms = response.context["inline_admin_formsets"][0].formset.forms
    assert [list(form.errors) for form in forms] == [["trait_weights"], []]
    assert not QuizQuestion.objects.filter(position=77).exists()
