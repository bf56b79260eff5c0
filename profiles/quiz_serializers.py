"""Input and output shapes of prompts, quiz, traits and badges.

`PromptAnswerOutput` and `BadgeOutput` are also used by the public profile view.
"""

from rest_framework import serializers

from profiles.models import MAX_PROMPT_ANSWERS, ProfileBadge, Prompt, PromptAnswer
from profiles.prompt_services import MAX_ANSWER_LENGTH

# --- prompts ----------------------------------------------------------------------------------


class PromptOutput(serializers.ModelSerializer):
    class Meta:
        model = Prompt
        fields = ("id", "text", "category")


class PromptCatalogOutput(serializers.Serializer):
    """The whole catalog at once: it is small and bounded, so `next` is always null."""

    results = PromptOutput(many=True)
    next = serializers.CharField(allow_null=True)


class PromptRefOutput(serializers.ModelSerializer):
    class Meta:
        model = Prompt
        fields = ("id", "text")


class PromptAnswerOutput(serializers.ModelSerializer):
    prompt = PromptRefOutput()

    class Meta:
        model = PromptAnswer
        fields = ("id", "prompt", "answer", "position")


class PromptAnswerListOutput(serializers.Serializer):
    """At most MAX_PROMPT_ANSWERS answers, all at once; `next` is always null."""

    results = PromptAnswerOutput(many=True)
    next = serializers.CharField(allow_null=True)


class PromptAnswerCreateInput(serializers.Serializer):
    prompt_id = serializers.UUIDField()
    answer = serializers.CharField(
        max_length=MAX_ANSWER_LENGTH,
        help_text=f"1–{MAX_ANSWER_LENGTH} characters once surrounding spaces are trimmed.",
    )


class PromptAnswerUpdateInput(serializers.Serializer):
    answer = serializers.CharField(max_length=MAX_ANSWER_LENGTH, required=False)
    position = serializers.IntegerField(
        min_value=0,
        max_value=MAX_PROMPT_ANSWERS - 1,
        required=False,
        help_text="0-based place among the own answers; the others shift.",
    )


# --- quiz -------------------------------------------------------------------------------------


class QuizOptionOutput(serializers.Serializer):
    """An option as the app shows it; its trait weights stay on the server."""

    id = serializers.UUIDField()
    text = serializers.CharField()
    position = serializers.IntegerField()


class QuizQuestionOutput(serializers.Serializer):
    id = serializers.UUIDField()
    text = serializers.CharField()
    position = serializers.IntegerField()
    options = QuizOptionOutput(many=True)


class QuizOutput(serializers.Serializer):
    questions = QuizQuestionOutput(many=True)


class QuizAnswerInput(serializers.Serializer):
    question_id = serializers.UUIDField()
    option_id = serializers.UUIDField()


class QuizSubmitInput(serializers.Serializer):
    answers = QuizAnswerInput(
        many=True, help_text="One answer for every active question, in any order."
    )


def _score() -> serializers.IntegerField:
    return serializers.IntegerField(min_value=0, max_value=100)


class TraitScoresOutput(serializers.Serializer):
    """{trait: score 0–100}: one field per trait of profiles.traits.TRAITS (a test checks)."""

    adventure = _score()
    social_energy = _score()
    planning = _score()
    emotional_openness = _score()
    independence = _score()
    communication = _score()


class TraitOutput(serializers.Serializer):
    score = _score()
    # DRF's metaclass moves declared fields off the class, so `label` the API field does
    # not replace `Field.label`; the stubs cannot know that.
    label = serializers.CharField(help_text="The trait's display name.")  # type: ignore[assignment]


class TraitDetailsOutput(serializers.Serializer):
    adventure = TraitOutput()
    social_energy = TraitOutput()
    planning = TraitOutput()
    emotional_openness = TraitOutput()
    independence = TraitOutput()
    communication = TraitOutput()


class TraitsOutput(serializers.Serializer):
    quiz_done = serializers.BooleanField()
    traits = TraitDetailsOutput(allow_null=True, help_text="null until the quiz is done.")


# --- badges -----------------------------------------------------------------------------------


class BadgeOutput(serializers.ModelSerializer):
    label = serializers.CharField(source="get_code_display")  # type: ignore[assignment]
    awarded_at = serializers.DateTimeField(source="created_at")

    class Meta:
        model = ProfileBadge
        fields = ("code", "label", "awarded_at")


class BadgeListOutput(serializers.Serializer):
    """Every badge of the profile (at most one per kind); `next` is always null."""

    results = BadgeOutput(many=True)
    next = serializers.CharField(allow_null=True)


class QuizResultOutput(serializers.Serializer):
    traits = TraitScoresOutput()
    badges = BadgeOutput(many=True)
