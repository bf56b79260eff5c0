"""The only door between profiles and the AI providers: what a job may tell a model.

Facts are public ones only — the first word of the display name, bio, interests, prompt
questions and answers, counts of visible photos and a few completion flags. Email, phone,
birth date or exact age, location (coordinates, city), last name, gender preferences and
matrimony details never reach a provider, local or remote: both providers get exactly the
dataclasses built here.
"""

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.utils import timezone

from profiles.models import MAX_PHOTOS, Interest, Profile, PromptAnswer
from profiles.onboarding import approved_photo_count, onboarding_steps

FIRST_NAME_MAX_LENGTH = 30


@dataclass(frozen=True)
class PromptFact:
    question: str
    answer: str


@dataclass(frozen=True)
class PersonFacts:
    first_name: str
    bio: str
    interests: tuple[str, ...]
    prompts: tuple[PromptFact, ...]
    photo_count: int

    def as_data(self) -> dict[str, Any]:
        return {
            "first_name": self.first_name,
            "bio": self.bio,
            "interests": list(self.interests),
            "prompts": [
                {"question": prompt.question, "answer": prompt.answer} for prompt in self.prompts
            ],
            "photo_count": self.photo_count,
        }


@dataclass(frozen=True)
class ProfileAnalysisFacts:
    """The requester's own profile, for feedback on it."""

    person: PersonFacts
    has_relationship_intent: bool
    has_quiz: bool
    is_verified: bool
    # Onboarding steps not done yet (profiles.onboarding names), required ones first.
    missing_steps: tuple[str, ...]
    max_photos: int = MAX_PHOTOS

    def as_data(self) -> dict[str, Any]:
        return {
            "profile": self.person.as_data(),
            "max_photos": self.max_photos,
            "has_relationship_intent": self.has_relationship_intent,
            "has_quiz": self.has_quiz,
            "is_verified": self.is_verified,
            "missing_steps": list(self.missing_steps),
        }


@dataclass(frozen=True)
class OpenerFacts:
    """The match's public profile and what the two share; nothing else of the sender."""

    match: PersonFacts
    shared_interests: tuple[str, ...]

    def as_data(self) -> dict[str, Any]:
        return {"match": self.match.as_data(), "shared_interests": list(self.shared_interests)}


def first_name(display_name: str) -> str:
    """The first word of a display name: people sometimes type their full name there."""
    words = display_name.split()
    return words[0][:FIRST_NAME_MAX_LENGTH] if words else ""


def _interest_names(profile_id: UUID) -> tuple[str, ...]:
    return tuple(
        Interest.objects.filter(profiles=profile_id).order_by("name").values_list("name", flat=True)
    )


def _person_facts(profile: Profile) -> PersonFacts:
    answers = (
        PromptAnswer.objects.filter(profile=profile)
        .select_related("prompt")
        .order_by("position", "created_at")
    )
    return PersonFacts(
        first_name=first_name(profile.display_name),
        bio=profile.bio.strip(),
        interests=_interest_names(profile.pk),
        prompts=tuple(
            PromptFact(question=answer.prompt.text, answer=answer.answer.strip())
            for answer in answers
        ),
        photo_count=approved_photo_count(profile),
    )


def profile_analysis_facts(*, user_id: UUID) -> ProfileAnalysisFacts:
    profile = Profile.objects.get(pk=user_id)
    person = _person_facts(profile)
    steps = onboarding_steps(
        profile, today=timezone.localdate(), approved_photos=person.photo_count
    )
    missing = [step for step in steps if not step.is_done]
    missing.sort(key=lambda step: not step.is_required)
    return ProfileAnalysisFacts(
        person=person,
        has_relationship_intent=bool(profile.relationship_intent),
        has_quiz=profile.traits is not None,
        is_verified=profile.is_verified,
        missing_steps=tuple(step.name for step in missing),
    )


def opener_facts(*, sender_id: UUID, recipient_id: UUID) -> OpenerFacts:
    recipient = Profile.objects.get(pk=recipient_id)
    facts = _person_facts(recipient)
    sender_interests = set(_interest_names(sender_id))
    shared = tuple(name for name in facts.interests if name in sender_interests)
    return OpenerFacts(match=facts, shared_interests=shared)
