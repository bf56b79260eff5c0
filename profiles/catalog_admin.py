"""Admin for the catalogs: interests, prompts and the quiz (questions with their options)."""

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from profiles.models import Interest, Prompt, QuizOption, QuizQuestion
from profiles.traits import TRAITS


@admin.register(Interest)
class InterestAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "category", "is_active")
    list_filter = ("is_active", "category")
    list_editable = ("is_active",)
    search_fields = ("name", "slug", "category")
    prepopulated_fields = {"slug": ("name",)}
    ordering = ("category", "name")


@admin.register(Prompt)
class PromptAdmin(admin.ModelAdmin):
    list_display = ("text", "category", "is_active", "answer_count")
    list_filter = ("is_active", "category")
    list_editable = ("is_active",)
    search_fields = ("text", "category")
    ordering = ("category", "text")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Prompt]:
        return super().get_queryset(request).annotate(answer_total=Count("answers"))

    @admin.display(description="answers", ordering="answer_total")
    def answer_count(self, prompt: Any) -> int:
        return prompt.answer_total


class QuizOptionForm(forms.ModelForm):
    class Meta:
        model = QuizOption
        fields = ("position", "text", "trait_weights")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # `{}` is a fine answer (a neutral option), but a JSON form field calls it empty.
        self.fields["trait_weights"].required = False

    def clean_trait_weights(self) -> dict[str, int]:
        weights = self.cleaned_data["trait_weights"]
        if weights is None:
            return {}
        if not isinstance(weights, dict):
            raise forms.ValidationError('Give an object such as {"adventure": 2}.')
        unknown = sorted(set(weights) - set(TRAITS))
        if unknown:
            raise forms.ValidationError(
                f"Unknown traits: {', '.join(unknown)}. Known: {', '.join(TRAITS)}."
            )
        for trait, value in weights.items():
            if isinstance(value, bool) or not isinstance(value, int) or not -10 <= value <= 10:
                raise forms.ValidationError(f"{trait}: use a whole number from -10 to 10.")
        return weights


class QuizOptionInline(admin.TabularInline):
    model = QuizOption
    form = QuizOptionForm
    extra = 0
    min_num = 2
    ordering = ("position",)


@admin.register(QuizQuestion)
class QuizQuestionAdmin(admin.ModelAdmin):
    list_display = ("position", "text", "is_active", "option_count")
    list_display_links = ("text",)
    list_filter = ("is_active",)
    search_fields = ("text", "options__text")
    ordering = ("position",)
    inlines = (QuizOptionInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[QuizQuestion]:
        return super().get_queryset(request).annotate(option_total=Count("options"))

    @admin.display(description="options", ordering="option_total")
    def option_count(self, question: Any) -> int:
        return question.option_total
