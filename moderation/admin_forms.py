"""Forms of the moderators' console: the decision on a report, and the reason asked for by
bulk actions that need one."""

from typing import Any, cast

from django import forms
from django.conf import settings

from moderation.models import Report, SanctionKind
from moderation.sanction_services import DISMISS, PROMPT_ANSWER_FIELD, REMOVABLE_PROFILE_FIELDS
from profiles.models import Photo, PromptAnswer

ACTION_CHOICES = [(DISMISS, "Dismiss: no rule was broken"), *SanctionKind.choices]


class ReportDecisionForm(forms.Form):
    action = forms.ChoiceField(choices=ACTION_CHOICES, widget=forms.RadioSelect)
    policy_reason = forms.CharField(
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text=(
            'Shown to the person: which rule, in plain words (e.g. "Harassing other '
            'members is not allowed.").'
        ),
    )
    days = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=settings.KINDRED_MAX_SUSPENSION_DAYS,
        help_text="Suspensions only.",
    )
    photo = forms.ChoiceField(required=False, help_text="Photo removal only.")
    text = forms.ChoiceField(required=False, help_text="Text removal only.")
    note = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text="Internal, for other moderators and the audit log. Required to dismiss.",
    )

    def __init__(self, *args: Any, report: Report, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user_id = report.reported_id
        photos = Photo.objects.filter(profile_id=user_id).order_by("position")
        cast(forms.ChoiceField, self.fields["photo"]).choices = [("", "—")] + [
            (str(photo.pk), f"Photo {photo.position + 1} ({photo.get_moderation_state_display()})")
            for photo in photos
        ]
        answers = PromptAnswer.objects.filter(profile_id=user_id).select_related("prompt")
        cast(forms.ChoiceField, self.fields["text"]).choices = (
            [("", "—")]
            + [(name, name.replace("_", " ").capitalize()) for name in REMOVABLE_PROFILE_FIELDS]
            + [
                (f"{PROMPT_ANSWER_FIELD}:{answer.pk}", f"Prompt: {answer.prompt.text}")
                for answer in answers
            ]
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        action = data.get("action")
        if action == DISMISS and not (data.get("note") or "").strip():
            self.add_error("note", "Say why the report is dismissed.")
        if action not in (None, DISMISS) and not (data.get("policy_reason") or "").strip():
            self.add_error("policy_reason", "The person must be told which rule was broken.")
        if action == SanctionKind.SUSPENSION and not data.get("days"):
            self.add_error("days", "How many days?")
        if action == SanctionKind.PHOTO_REMOVED and not data.get("photo"):
            self.add_error("photo", "Which photo?")
        if action == SanctionKind.TEXT_REMOVED and not data.get("text"):
            self.add_error("text", "Which text?")
        return data

    def service_arguments(self) -> dict[str, Any]:
        """The form's values as `report_resolve` keyword arguments."""
        data = self.cleaned_data
        action = data["action"]
        arguments: dict[str, Any] = {
            "action": action,
            "policy_reason": data.get("policy_reason") or "",
            "note": data.get("note") or "",
        }
        if action == SanctionKind.SUSPENSION:
            arguments["days"] = data["days"]
        if action == SanctionKind.PHOTO_REMOVED:
            arguments["photo_id"] = data["photo"]
        if action == SanctionKind.TEXT_REMOVED:
            field, _, answer_id = data["text"].partition(":")
            arguments["field"] = field
            if answer_id:
                arguments["prompt_answer_id"] = answer_id
        return arguments


class ReasonForm(forms.Form):
    reason = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
    )
