"""Prompt, quiz, traits and badge routes (see quiz_apis)."""

from django.urls import path

from profiles import quiz_apis

urlpatterns = [
    path("prompts", quiz_apis.PromptCatalogApi.as_view(), name="prompt-catalog"),
    path("profile/prompts", quiz_apis.OwnPromptAnswersApi.as_view(), name="own-prompt-answers"),
    path(
        "profile/prompts/<uuid:answer_id>",
        quiz_apis.OwnPromptAnswerApi.as_view(),
        name="own-prompt-answer",
    ),
    path("quiz", quiz_apis.QuizApi.as_view(), name="quiz"),
    path("profile/quiz", quiz_apis.QuizSubmitApi.as_view(), name="quiz-submit"),
    path("profile/traits", quiz_apis.OwnTraitsApi.as_view(), name="own-traits"),
    path("profile/badges", quiz_apis.OwnBadgesApi.as_view(), name="own-badges"),
]
