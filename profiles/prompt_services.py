"""Prompt answers: up to MAX_PROMPT_ANSWERS per profile, one per prompt, in a compact
order (positions 0..n-1).

Every write locks the profile row first, so that concurrent requests of one person are
serialised: two simultaneous answers when at the limit cannot both get in. Badges depend
on prompt answers, so every write schedules `profiles.refresh_badges` on commit.
"""

from uuid import UUID

from django.db import transaction
from django.db.models import QuerySet

from accounts.models import User
from core.exceptions import Conflict, NotFound, ValidationFailed
from profiles.models import MAX_PROMPT_ANSWERS, Profile, Prompt, PromptAnswer
from profiles.quiz_tasks import schedule_badges_refresh

MAX_ANSWER_LENGTH = 300


# --- reads ------------------------------------------------------------------------------------


def prompt_list_active() -> QuerySet[Prompt]:
    """The catalog people pick prompts from: active prompts only, by category and text."""
    return Prompt.objects.filter(is_active=True).order_by("category", "text")


def prompt_answer_list_for_profile(*, profile_id: UUID) -> QuerySet[PromptAnswer]:
    """A profile's answers in display order, with their prompts (one query)."""
    return (
        PromptAnswer.objects.filter(profile_id=profile_id)
        .select_related("prompt")
        .order_by("position", "created_at")
    )


# --- writes -----------------------------------------------------------------------------------


def _clean_answer(answer: str) -> str:
    text = answer.strip()
    if not text:
        raise ValidationFailed(extra={"fields": {"answer": ["Write an answer."]}})
    if len(text) > MAX_ANSWER_LENGTH:
        raise ValidationFailed(
            extra={"fields": {"answer": [f"Keep the answer to {MAX_ANSWER_LENGTH} characters."]}}
        )
    return text


def _lock_profile(user: User) -> Profile:
    return Profile.objects.select_for_update().get(pk=user.pk)


@transaction.atomic
def prompt_answer_create(*, user: User, prompt_id: UUID, answer: str) -> PromptAnswer:
    """Answer a prompt of the catalog; the answer goes last.

    Refuses: an unknown or inactive prompt (400 `validation_error` on `prompt_id`), a blank
    or over-long answer (400 on `answer`), a prompt already answered (409
    `prompt_already_answered`), a fourth answer (409 `prompt_answer_limit`).
    """
    text = _clean_answer(answer)
    profile = _lock_profile(user)
    prompt = Prompt.objects.filter(pk=prompt_id, is_active=True).first()
    if prompt is None:
        raise ValidationFailed(extra={"fields": {"prompt_id": ["Pick a prompt from the catalog."]}})
    existing = list(
        PromptAnswer.objects.filter(profile=profile).values_list("prompt_id", flat=True)
    )
    if prompt.pk in existing:
        raise Conflict(
            "You have already answered this prompt.",
            code="prompt_already_answered",
            extra={"prompt_id": str(prompt.pk)},
        )
    if len(existing) >= MAX_PROMPT_ANSWERS:
        raise Conflict(
            f"A profile shows at most {MAX_PROMPT_ANSWERS} prompt answers.",
            code="prompt_answer_limit",
            extra={"limit": MAX_PROMPT_ANSWERS},
        )
    created = PromptAnswer.objects.create(
        profile=profile, prompt=prompt, answer=text, position=len(existing)
    )
    schedule_badges_refresh(profile_id=profile.pk)
    return created


@transaction.atomic
def prompt_answer_update(
    *, user: User, answer_id: UUID, answer: str | None = None, position: int | None = None
) -> PromptAnswer:
    """Edit an own answer's text and/or move it to `position` (0-based); the others shift.

    404 for an answer that is not the user's; 400 for a blank or over-long answer or a
    position past the end. Nothing is written (and no task queued) when nothing changes.
    """
    profile = _lock_profile(user)
    ordered = list(
        PromptAnswer.objects.filter(profile=profile)
        .select_related("prompt")
        .order_by("position", "created_at")
    )
    target = next((item for item in ordered if item.pk == answer_id), None)
    if target is None:
        raise NotFound("No such prompt answer.")
    changed: set[UUID] = set()
    if answer is not None:
        text = _clean_answer(answer)
        if text != target.answer:
            target.answer = text
            changed.add(target.pk)
    if position is not None:
        if not 0 <= position < len(ordered):
            raise ValidationFailed(
                extra={"fields": {"position": [f"Pick a position from 0 to {len(ordered) - 1}."]}}
            )
        ordered.remove(target)
        ordered.insert(position, target)
    for index, item in enumerate(ordered):
        if item.position != index:
            item.position = index
            changed.add(item.pk)
    for item in ordered:
        if item.pk in changed:
            item.save(update_fields=["answer", "position", "updated_at"])
    if changed:
        schedule_badges_refresh(profile_id=profile.pk)
    return target


@transaction.atomic
def prompt_answer_delete(*, user: User, answer_id: UUID) -> None:
    """Delete an own answer and close the gap in the positions. 404 if not the user's."""
    profile = _lock_profile(user)
    deleted, _ = PromptAnswer.objects.filter(pk=answer_id, profile=profile).delete()
    if not deleted:
        raise NotFound("No such prompt answer.")
    remaining = list(
        PromptAnswer.objects.filter(profile=profile).order_by("position", "created_at")
    )
    for index, item in enumerate(remaining):
        if item.position != index:
            item.position = index
            item.save(update_fields=["position", "updated_at"])
    schedule_badges_refresh(profile_id=profile.pk)
