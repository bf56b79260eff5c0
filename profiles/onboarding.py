"""Onboarding: which steps a profile has done, and whether it may be discovered.

Required: basics, photos (at least one approved), preferences, location. Optional: about,
quiz, prompts, matrimony details. Completion is the share of all steps done.
"""

from dataclasses import dataclass
from datetime import date

from profiles.models import MIN_AGE, ModerationState, PhotoStatus, Profile

REQUIRED_STEPS = ("basics", "photos", "preferences", "location")
OPTIONAL_STEPS = ("about", "quiz", "prompts", "matrimony")


@dataclass(frozen=True)
class Step:
    name: str
    is_required: bool
    is_done: bool


def age_on(birth_date: date, today: date) -> int:
    before_birthday = (today.month, today.day) < (birth_date.month, birth_date.day)
    return today.year - birth_date.year - before_birthday


def onboarding_steps(profile: Profile, *, today: date, approved_photos: int) -> list[Step]:
    """Each step's state. `approved_photos` is passed in so that callers control queries."""
    done = {
        "basics": bool(
            profile.display_name
            and profile.gender
            and profile.birth_date
            and age_on(profile.birth_date, today) >= MIN_AGE
        ),
        "photos": approved_photos > 0,
        "preferences": bool(profile.interested_in),
        "location": profile.cell is not None,
        "about": bool(profile.bio),
        "quiz": profile.traits is not None,
        "prompts": profile.prompt_answers.exists() if profile.pk else False,
        "matrimony": bool(profile.religion or profile.marital_status or profile.education),
    }
    return [
        Step(name, name in REQUIRED_STEPS, done[name]) for name in REQUIRED_STEPS + OPTIONAL_STEPS
    ]


def completion_percent(steps: list[Step]) -> int:
    return round(100 * sum(step.is_done for step in steps) / len(steps))


def is_complete(steps: list[Step]) -> bool:
    return all(step.is_done for step in steps if step.is_required)


def approved_photo_count(profile: Profile) -> int:
    """Photos others can actually see: approved and processed."""
    return profile.photos.filter(
        moderation_state=ModerationState.APPROVED, status=PhotoStatus.READY
    ).count()
