"""Factories for prompts, prompt answers and the quiz. (Photo factories live elsewhere.)"""

from collections.abc import Sequence

import factory

from profiles.models import Prompt, PromptAnswer, QuizOption, QuizQuestion


class PromptFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Prompt

    text = factory.Sequence(lambda number: f"Test prompt number {number} is…")
    category = "Test"
    is_active = True


class PromptAnswerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PromptAnswer

    prompt = factory.SubFactory(PromptFactory)
    answer = "Long walks and short queues."
    position = 0


class QuizQuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QuizQuestion

    # Far above the seeded positions (1–6), which some tests keep.
    text = factory.Sequence(lambda number: f"Test question {number}?")
    position = factory.Sequence(lambda number: 1000 + number)
    is_active = True


class QuizOptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QuizOption

    question = factory.SubFactory(QuizQuestionFactory)
    text = factory.Sequence(lambda number: f"Option {number}")
    position = factory.Sequence(lambda number: number)
    trait_weights = factory.LazyFunction(dict)


def question_with_options(
    weights: Sequence[dict[str, int]], **question_fields: object
) -> QuizQuestion:
    """A question whose options carry `weights`, in that order (positions 1, 2, …)."""
    question = QuizQuestionFactory(**question_fields)
    for position, option_weights in enumerate(weights, start=1):
        QuizOptionFactory(question=question, position=position, trait_weights=option_weights)
    return question
