"""The behavioural quiz: the questions, submitting answers, and the traits they give.

Traits are computed from the chosen options' `trait_weights`: for each trait, the sum of
the weights is placed between the lowest and highest sum the active questions allow, as
a score 0–100, so that everyone's scores are on the same scale whatever the weights.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypedDict
from uuid import UUID

from django.db import transaction
from django.db.models import Prefetch, QuerySet

from accounts.models import User
from core.exceptions import Conflict, ValidationFailed
from profiles.badges import badges_refresh
from profiles.models import Profile, ProfileBadge, QuizAnswer, QuizOption, QuizQuestion
from profiles.quiz_tasks import schedule_compatibility_recompute
from profiles.traits import TRAIT_LABELS, TRAITS

NEUTRAL_SCORE = 50


class QuizAnswerChoice(TypedDict):
    question_id: UUID
    option_id: UUID


@dataclass(frozen=True)
class QuizResult:
    profile: Profile
    traits: dict[str, int]
    badges: list[ProfileBadge]


# --- reads ------------------------------------------------------------------------------------


def quiz_question_list_active() -> QuerySet[QuizQuestion]:
    """Active questions in order, each with its options in order (two queries)."""
    return (
        QuizQuestion.objects.filter(is_active=True)
        .order_by("position")
        .prefetch_related(Prefetch("options", queryset=QuizOption.objects.order_by("position")))
    )


def traits_get_for_profile(*, profile_id: UUID) -> list[int] | None:
    """The profile's stored traits (TRAITS order), or None before the quiz."""
    return Profile.objects.filter(pk=profile_id).values_list("traits", flat=True).get()


def trait_scores(traits: Sequence[int] | None) -> dict[str, int] | None:
    """`Profile.traits` as {trait: score} in TRAITS order, or None before the quiz."""
    if traits is None:
        return None
    return dict(zip(TRAITS, traits, strict=True))


def traits_for_display(traits: Sequence[int] | None) -> dict[str, dict[str, Any]] | None:
    """{trait: {"score", "label"}} for the owner's traits view, or None before the quiz."""
    scores = trait_scores(traits)
    if scores is None:
        return None
    return {
        trait: {"score": score, "label": TRAIT_LABELS[trait]} for trait, score in scores.items()
    }


# --- trait arithmetic (pure) ------------------------------------------------------------------


def _weight(option: QuizOption, trait: str) -> float:
    value = option.trait_weights.get(trait, 0) if isinstance(option.trait_weights, dict) else 0
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def compute_traits(questions: Iterable[QuizQuestion], chosen: dict[UUID, QuizOption]) -> list[int]:
    """Scores 0–100 in TRAITS order for `chosen` ({question id: option}).

    For each trait: (sum of chosen weights - lowest achievable) / (highest - lowest), where
    the bounds take, per question, the smallest and largest weight among its options. A
    trait no question moves scores NEUTRAL_SCORE.
    """
    questions = list(questions)
    scores = []
    for trait in TRAITS:
        lowest = highest = total = 0.0
        for question in questions:
            weights = [_weight(option, trait) for option in question.options.all()]
            lowest += min(weights, default=0.0)
            highest += max(weights, default=0.0)
            total += _weight(chosen[question.pk], trait)
        if highest == lowest:
            scores.append(NEUTRAL_SCORE)
        else:
            scores.append(round(100 * (total - lowest) / (highest - lowest)))
    return scores


# --- writes -----------------------------------------------------------------------------------


def _match_answers(
    questions: list[QuizQuestion], answers: Sequence[QuizAnswerChoice]
) -> dict[UUID, QuizOption]:
    """Check that `answers` answer every active question once with one of its options.

    Raises ValidationFailed with per-item errors under `extra.fields.answers`, keyed by the
    item's index as DRF does for lists (`{"1": {"option_id": [...]}}`), or, when the items
    are fine but questions are left out, a message there and their ids in
    `extra.missing_question_ids`.
    """
    by_id = {question.pk: question for question in questions}
    chosen: dict[UUID, QuizOption] = {}
    item_errors: dict[str, dict[str, list[str]]] = {}
    for index, item in enumerate(answers):
        question = by_id.get(item["question_id"])
        errors: dict[str, list[str]] = {}
        if question is None:
            errors["question_id"] = ["Not a question of the quiz."]
        elif question.pk in chosen:
            errors["question_id"] = ["This question is answered more than once."]
        else:
            option = next(
                (option for option in question.options.all() if option.pk == item["option_id"]),
                None,
            )
            if option is None:
                errors["option_id"] = ["Not an option of this question."]
            else:
                chosen[question.pk] = option
        if errors:
            item_errors[str(index)] = errors
    if item_errors:
        raise ValidationFailed(extra={"fields": {"answers": item_errors}})
    missing = [str(question.pk) for question in questions if question.pk not in chosen]
    if missing:
        raise ValidationFailed(
            extra={
                "fields": {"answers": [f"Answer every question: {len(missing)} left out."]},
                "missing_question_ids": missing,
            }
        )
    return chosen


@transaction.atomic
def quiz_submit(*, user: User, answers: Sequence[QuizAnswerChoice]) -> QuizResult:
    """Store the user's quiz answers (replacing earlier ones) and the traits they give.

    Every active question must be answered exactly once with one of its own options, else
    400 and nothing is stored; 409 `quiz_unavailable` when there are no active questions.
    Badges are refreshed in the same transaction so that the result shows them; when the
    traits change, `profiles.recompute_compatibility` is queued on commit.
    """
    profile = Profile.objects.select_for_update().get(pk=user.pk)
    questions = list(quiz_question_list_active())
    if not questions:
        raise Conflict("The quiz is not available right now.", code="quiz_unavailable")
    chosen = _match_answers(questions, answers)
    traits = compute_traits(questions, chosen)

    QuizAnswer.objects.filter(profile=profile).delete()
    QuizAnswer.objects.bulk_create(
        [
            QuizAnswer(profile=profile, question=question, option=chosen[question.pk])
            for question in questions
        ]
    )
    if profile.traits != traits:
        profile.traits = traits
        profile.save(update_fields=["traits", "updated_at"])
        schedule_compatibility_recompute(profile_id=profile.pk)
    badges_refresh(profile_id=profile.pk)
    badges = list(ProfileBadge.objects.filter(profile=profile).order_by("code"))
    return QuizResult(profile=profile, traits=dict(zip(TRAITS, traits, strict=True)), badges=badges)
