from dataclasses import dataclass

import pytest

from profiles.models import (
    Interest,
    Profile,
    ProfileBadge,
    Prompt,
    QuizAnswer,
    QuizOption,
    QuizQuestion,
)
from profiles.quiz_serializers import TraitDetailsOutput, TraitScoresOutput
from profiles.quiz_services import compute_traits, quiz_question_list_active
from profiles.quiz_tasks import recompute_compatibility_task, refresh_badges_task
from profiles.tests.quiz_factories import QuizOptionFactory, question_with_options
from profiles.traits import TRAIT_LABELS, TRAITS

pytestmark = pytest.mark.django_db

QUIZ = "/api/v1/quiz"
SUBMIT = "/api/v1/profile/quiz"
TRAITS_URL = "/api/v1/profile/traits"
NOWHERE = "00000000-0000-4000-8000-000000000000"


@dataclass
class Quiz:
    first: QuizQuestion
    second: QuizQuestion

    def option(self, question: QuizQuestion, position: int) -> QuizOption:
        return question.options.get(position=position)

    def answers(self, first: int, second: int) -> list[dict[str, str]]:
        return [
            {
                "question_id": str(self.first.pk),
                "option_id": str(self.option(self.first, first).pk),
            },
            {
                "question_id": str(self.second.pk),
                "option_id": str(self.option(self.second, second).pk),
            },
        ]


@pytest.fixture
def quiz(db) -> Quiz:  # type: ignore[no-untyped-def]
    """Two questions with weights chosen so the expected traits are easy to work out.

    adventure: lowest -2 + 0, highest 2 + 1; social_energy: 0..1; planning: -1..0;
    communication: -2..2; emotional_openness and independence move on no question (50).
    """
    QuizQuestion.objects.all().delete()  # the seeded quiz; its own test is below
    first = question_with_options(
        [{"adventure": 2, "planning": -1}, {"adventure": -2, "social_energy": 1}, {}],
        text="Saturday plans?",
        position=1,
    )
    second = question_with_options(
        [{"adventure": 1, "communication": 2}, {"communication": -2}],
        text="Texting style?",
        position=2,
    )
    return Quiz(first, second)


def scheduled(callbacks: list) -> list:
    return [(callback.func, callback.args) for callback in callbacks]


# --- the seeded quiz --------------------------------------------------------------------------


def test_the_catalogs_are_seeded():
    questions = list(quiz_question_list_active())

    assert [question.position for question in questions] == [1, 2, 3, 4, 5, 6]
    assert all(3 <= len(question.options.all()) <= 4 for question in questions)
    assert Prompt.objects.filter(is_active=True).count() >= 20
    assert Interest.objects.filter(is_active=True).count() >= 30
    assert Interest.objects.exclude(category="").values("category").distinct().count() >= 5


def test_the_seeded_weights_name_known_traits_and_reach_both_ends_of_every_trait():
    questions = list(quiz_question_list_active())
    weights = [option.trait_weights for question in questions for option in question.options.all()]
    assert {trait for weight in weights for trait in weight} == set(TRAITS)

    for trait in TRAITS:
        lowest = {
            q.pk: min(q.options.all(), key=lambda o: o.trait_weights.get(trait, 0))
            for q in questions
        }
        highest = {
            q.pk: max(q.options.all(), key=lambda o: o.trait_weights.get(trait, 0))
            for q in questions
        }
        index = TRAITS.index(trait)
        assert compute_traits(questions, lowest)[index] == 0
        assert compute_traits(questions, highest)[index] == 100


# --- GET /quiz --------------------------------------------------------------------------------


def test_quiz_lists_active_questions_with_options_in_order_and_no_weights(auth_client, quiz):
    QuizOptionFactory(question=quiz.second, position=0, text="Calls only", trait_weights={})
    question_with_options([{"adventure": 1}, {}], text="Retired?", position=3, is_active=False)

    response = auth_client.get(QUIZ)

    assert response.status_code == 200
    assert response.json() == {
        "questions": [
            {
                "id": str(question.pk),
                "text": question.text,
                "position": question.position,
                "options": [
                    {"id": str(option.pk), "text": option.text, "position": option.position}
                    for option in question.options.order_by("position")
                ],
            }
            for question in (quiz.first, quiz.second)
        ]
    }
    assert response.json()["questions"][1]["options"][0]["text"] == "Calls only"
    assert "weight" not in response.content.decode()


@pytest.mark.parametrize("count", [1, 6])
def test_quiz_takes_the_same_queries_for_one_and_six_questions(
    auth_client, django_assert_num_queries, count
):
    QuizQuestion.objects.all().delete()
    for position in range(count):
        question_with_options([{"adventure": 1}, {"adventure": -1}, {}], position=position)
    auth_client.get(QUIZ)

    # The user, the questions, their options.
    with django_assert_num_queries(3):
        response = auth_client.get(QUIZ)

    assert len(response.json()["questions"]) == count


def test_quiz_requires_authentication(api_client):
    assert api_client.get(QUIZ).status_code == 401


# --- POST /profile/quiz -----------------------------------------------------------------------


def test_submitting_stores_answers_and_traits_and_returns_them_with_badges(
    user, auth_client, quiz, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = auth_client.post(SUBMIT, {"answers": quiz.answers(1, 1)})

    assert response.status_code == 200
    badge = ProfileBadge.objects.get(profile_id=user.pk)
    assert response.json() == {
        "traits": {
            "adventure": 100,
            "social_energy": 0,
            "planning": 0,
            "emotional_openness": 50,
            "independence": 50,
            "communication": 100,
        },
        "badges": [
            {
                "code": "adventurer",
                "label": "Adventurer",
                "awarded_at": badge.created_at.isoformat().replace("+00:00", "Z"),
            }
        ],
    }
    assert Profile.objects.get(pk=user.pk).traits == [100, 0, 0, 50, 50, 100]
    assert set(
        QuizAnswer.objects.filter(profile_id=user.pk).values_list("option_id", flat=True)
    ) == {
        quiz.option(quiz.first, 1).pk,
        quiz.option(quiz.second, 1).pk,
    }
    assert scheduled(callbacks) == [(recompute_compatibility_task.delay, (str(user.pk),))]

    # What the workers would then do: nothing left to change.
    assert recompute_compatibility_task(str(user.pk)) == 0
    assert refresh_badges_task(str(user.pk)) == ["adventurer"]


def test_traits_are_placed_between_the_lowest_and_highest_possible_sums(user, auth_client, quiz):
    # adventure: 0 + 0 on a -2..3 range gives 40; planning 0 on -1..0 gives 100.
    response = auth_client.post(SUBMIT, {"answers": quiz.answers(3, 2)})

    assert response.status_code == 200
    assert response.json()["traits"] == {
        "adventure": 40,
        "social_energy": 0,
        "planning": 100,
        "emotional_openness": 50,
        "independence": 50,
        "communication": 0,
    }
    assert [item["code"] for item in response.json()["badges"]] == ["planner"]


def test_resubmitting_replaces_answers_traits_and_badges(
    user, auth_client, quiz, django_capture_on_commit_callbacks
):
    auth_client.post(SUBMIT, {"answers": quiz.answers(1, 1)})

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = auth_client.post(SUBMIT, {"answers": quiz.answers(2, 2)})

    assert response.status_code == 200
    # adventure -2 + 0 → 0; social 1 → 100; planning 0 → 100; communication -2 → 0.
    assert Profile.objects.get(pk=user.pk).traits == [0, 100, 100, 50, 50, 0]
    assert set(
        QuizAnswer.objects.filter(profile_id=user.pk).values_list("option_id", flat=True)
    ) == {
        quiz.option(quiz.first, 2).pk,
        quiz.option(quiz.second, 2).pk,
    }
    assert list(ProfileBadge.objects.filter(profile_id=user.pk).values_list("code", flat=True)) == [
        "planner"
    ]
    assert scheduled(callbacks) == [(recompute_compatibility_task.delay, (str(user.pk),))]


def test_resubmitting_the_same_answers_queues_nothing(
    user, auth_client, quiz, django_capture_on_commit_callbacks
):
    auth_client.post(SUBMIT, {"answers": quiz.answers(1, 2)})

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = auth_client.post(SUBMIT, {"answers": list(reversed(quiz.answers(1, 2)))})

    assert response.status_code == 200
    assert callbacks == []


def assert_refused_and_nothing_stored(user, response, callbacks) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert not QuizAnswer.objects.exists()
    assert Profile.objects.get(pk=user.pk).traits is None
    assert not ProfileBadge.objects.exists()
    assert callbacks == []
    return body["extra"]


def test_leaving_out_a_question_is_refused(
    user, auth_client, quiz, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = auth_client.post(SUBMIT, {"answers": quiz.answers(1, 1)[:1]})

    assert assert_refused_and_nothing_stored(user, response, callbacks) == {
        "fields": {"answers": ["Answer every question: 1 left out."]},
        "missing_question_ids": [str(quiz.second.pk)],
    }


def test_an_empty_submission_is_refused(
    user, auth_client, quiz, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = auth_client.post(SUBMIT, {"answers": []})

    extra = assert_refused_and_nothing_stored(user, response, callbacks)
    assert extra["missing_question_ids"] == [str(quiz.first.pk), str(quiz.second.pk)]


def test_an_option_of_another_question_is_refused(
    user, auth_client, quiz, django_capture_on_commit_callbacks
):
    answers = quiz.answers(1, 1)
    answers[1]["option_id"] = str(quiz.option(quiz.first, 2).pk)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = auth_client.post(SUBMIT, {"answers": answers})

    assert assert_refused_and_nothing_stored(user, response, callbacks) == {
        "fields": {"answers": {"1": {"option_id": ["Not an option of this question."]}}}
    }


def test_answering_a_question_twice_is_refused(
    user, auth_client, quiz, django_capture_on_commit_callbacks
):
    answers = [*quiz.answers(1, 1), quiz.answers(2, 1)[0]]

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = auth_client.post(SUBMIT, {"answers": answers})

    assert assert_refused_and_nothing_stored(user, response, callbacks) == {
        "fields": {"answers": {"2": {"question_id": ["This question is answered more than once."]}}}
    }


@pytest.mark.parametrize("is_known", [False, True], ids=["unknown", "inactive"])
def test_an_unknown_or_inactive_question_is_refused(
    user, auth_client, quiz, django_capture_on_commit_callbacks, is_known
):
    retired = question_with_options([{"adventure": 1}, {}], position=9, is_active=False)
    extra_answer = {
        "question_id": str(retired.pk) if is_known else NOWHERE,
        "option_id": str(retired.options.first().pk),
    }

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = auth_client.post(SUBMIT, {"answers": [*quiz.answers(1, 1), extra_answer]})

    assert assert_refused_and_nothing_stored(user, response, callbacks) == {
        "fields": {"answers": {"2": {"question_id": ["Not a question of the quiz."]}}}
    }


def test_malformed_ids_are_refused(user, auth_client, quiz, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = auth_client.post(
            SUBMIT, {"answers": [{"question_id": "nope", "option_id": str(quiz.first.pk)}]}
        )

    extra = assert_refused_and_nothing_stored(user, response, callbacks)
    assert extra["fields"] == {"answers": {"0": {"question_id": ["Must be a valid UUID."]}}}


def test_a_refused_resubmission_keeps_the_earlier_answers(user, auth_client, quiz):
    auth_client.post(SUBMIT, {"answers": quiz.answers(1, 1)})

    response = auth_client.post(SUBMIT, {"answers": quiz.answers(2, 2)[:1]})

    assert response.status_code == 400
    assert Profile.objects.get(pk=user.pk).traits == [100, 0, 0, 50, 50, 100]
    assert QuizAnswer.objects.filter(profile_id=user.pk).count() == 2


def test_inactive_questions_are_not_required_and_do_not_move_the_scale(user, auth_client, quiz):
    question_with_options([{"adventure": 10}, {"adventure": -10}], position=3, is_active=False)

    response = auth_client.post(SUBMIT, {"answers": quiz.answers(1, 1)})

    assert response.status_code == 200
    assert response.json()["traits"]["adventure"] == 100


def test_without_active_questions_the_quiz_is_unavailable(user, auth_client):
    QuizQuestion.objects.update(is_active=False)

    response = auth_client.post(SUBMIT, {"answers": []})

    assert response.status_code == 409
    assert response.json()["code"] == "quiz_unavailable"
    assert Profile.objects.get(pk=user.pk).traits is None


# --- GET /profile/traits ----------------------------------------------------------------------


def test_traits_are_null_before_the_quiz(auth_client):
    response = auth_client.get(TRAITS_URL)

    assert response.status_code == 200
    assert response.json() == {"quiz_done": False, "traits": None}


def test_traits_after_the_quiz_have_scores_and_labels(auth_client, quiz):
    auth_client.post(SUBMIT, {"answers": quiz.answers(1, 1)})

    response = auth_client.get(TRAITS_URL)

    scores = [100, 0, 0, 50, 50, 100]
    assert response.json() == {
        "quiz_done": True,
        "traits": {
            trait: {"score": score, "label": TRAIT_LABELS[trait]}
            for trait, score in zip(TRAITS, scores, strict=True)
        },
    }


def test_the_trait_shapes_have_one_field_per_trait_in_order():
    assert tuple(TraitScoresOutput().fields) == TRAITS
    assert tuple(TraitDetailsOutput().fields) == TRAITS
