"""Badges: earned from quiz traits and profile facts, never granted by hand.

`badges_earned` holds the rules as a pure function of `BadgeFacts`; `badges_refresh` reads
the facts of one profile and makes its stored badges match, adding and removing as needed.
The `profiles.refresh_badges` task calls it after anything that can change a rule's
outcome (quiz, prompt answers, photo moderation, verification).
"""

from dataclasses import dataclass
from uuid import UUID

from django.db import transaction
from django.db.models import QuerySet

from profiles.models import BadgeCode, ModerationState, Photo, Profile, ProfileBadge, PromptAnswer
from profiles.traits import TRAITS

HIGH_TRAIT = 75
GREAT_COMMUNICATOR_MIN_PROMPTS = 2
PHOTOGENIC_MIN_PHOTOS = 4
STORYTELLER_PROMPTS = 3
STORYTELLER_MIN_LENGTH = 80


@dataclass(frozen=True)
class BadgeFacts:
    is_verified: bool
    is_complete: bool
    has_bio: bool
    traits: dict[str, int] | None
    prompt_answer_lengths: tuple[int, ...]
    approved_photos: int


def badges_earned(facts: BadgeFacts) -> set[str]:
    """The badge codes these facts earn. Pure."""
    traits = facts.traits or {}
    prompts = len(facts.prompt_answer_lengths)
    rules = {
        BadgeCode.VERIFIED: facts.is_verified,
        BadgeCode.GREAT_COMMUNICATOR: traits.get("communication", 0) >= HIGH_TRAIT
        and prompts >= GREAT_COMMUNICATOR_MIN_PROMPTS,
        BadgeCode.ADVENTURER: traits.get("adventure", 0) >= HIGH_TRAIT,
        BadgeCode.PLANNER: traits.get("planning", 0) >= HIGH_TRAIT,
        BadgeCode.PHOTOGENIC: facts.approved_photos >= PHOTOGENIC_MIN_PHOTOS,
        BadgeCode.COMPLETE_PROFILE: facts.is_complete and facts.has_bio and prompts >= 1,
        BadgeCode.STORYTELLER: sum(
            length >= STORYTELLER_MIN_LENGTH for length in facts.prompt_answer_lengths
        )
        >= STORYTELLER_PROMPTS,
    }
    return {str(code) for code, is_earned in rules.items() if is_earned}


def badge_facts(profile: Profile) -> BadgeFacts:
    """Read the facts the rules need: two queries besides the profile itself."""
    lengths = tuple(
        len(answer.strip())
        for answer in PromptAnswer.objects.filter(profile_id=profile.pk).values_list(
            "answer", flat=True
        )
    )
    approved_photos = Photo.objects.filter(
        profile_id=profile.pk, moderation_state=ModerationState.APPROVED
    ).count()
    return BadgeFacts(
        is_verified=profile.is_verified,
        is_complete=profile.is_complete,
        has_bio=bool(profile.bio.strip()),
        traits=dict(zip(TRAITS, profile.traits, strict=True))
        if profile.traits is not None
        else None,
        prompt_answer_lengths=lengths,
        approved_photos=approved_photos,
    )


@dataclass(frozen=True)
class BadgeChanges:
    awarded: frozenset[str]
    revoked: frozenset[str]
    held: frozenset[str]


def badges_refresh(*, profile_id: UUID) -> BadgeChanges:
    """Make the profile's stored badges exactly the ones its facts earn.

    Adds missing badges (keeping the award time of those already held) and removes those
    no longer earned. Runs under the profile's row lock, so concurrent refreshes of one
    profile serialise; idempotent. A profile that no longer exists changes nothing.
    """
    with transaction.atomic():
        profile = Profile.objects.select_for_update().filter(pk=profile_id).first()
        if profile is None:
            return BadgeChanges(frozenset(), frozenset(), frozenset())
        earned = badges_earned(badge_facts(profile))
        held = set(ProfileBadge.objects.filter(profile=profile).values_list("code", flat=True))
        awarded = earned - held
        revoked = held - earned
        if revoked:
            ProfileBadge.objects.filter(profile=profile, code__in=revoked).delete()
        if awarded:
            ProfileBadge.objects.bulk_create(
                [ProfileBadge(profile=profile, code=code) for code in sorted(awarded)],
                ignore_conflicts=True,
            )
    return BadgeChanges(frozenset(awarded), frozenset(revoked), frozenset(earned))


def badge_list_for_profile(*, profile_id: UUID) -> QuerySet[ProfileBadge]:
    """A profile's badges, by code. Safe to show to anyone who may see the profile."""
    return ProfileBadge.objects.filter(profile_id=profile_id).order_by("code")
