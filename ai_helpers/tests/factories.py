"""Profiles with public facts (and private ones) and matches, for the AI tests."""

from datetime import date
from typing import Any

from accounts.models import User
from accounts.tests.factories import UserFactory
from ai_helpers.models import AIJob, AIJobKind
from matching.models import Match, MatchState
from profiles.models import Interest, Profile, Prompt, PromptAnswer
from profiles.tests.factories import add_approved_photo, make_complete


def interest(name: str) -> Interest:
    slug = name.lower().replace(" ", "-")
    return Interest.objects.get_or_create(slug=slug, defaults={"name": name})[0]


def prompt(text: str) -> Prompt:
    return Prompt.objects.get_or_create(text=text)[0]


def make_profile(
    user: User | None = None,
    *,
    display_name: str = "Sam",
    bio: str = "",
    interests: tuple[str, ...] = (),
    prompts: tuple[tuple[str, str], ...] = (),
    photos: int = 1,
    **fields: Any,
) -> Profile:
    """A complete profile with the given public facts; `photos` approved photos in all."""
    profile = make_complete(user, display_name=display_name, bio=bio, **fields)
    for position in range(1, photos):
        add_approved_photo(profile, position=position)
    profile.interests.set([interest(name) for name in interests])
    for position, (question, answer) in enumerate(prompts):
        PromptAnswer.objects.create(
            profile=profile, prompt=prompt(question), answer=answer, position=position
        )
    return profile


def make_match(first: User, second: User, *, state: str = MatchState.ACTIVE) -> Match:
    low, high = sorted((first, second), key=lambda user: user.pk)
    return Match.objects.create(user_low=low, user_high=high, state=state)


def make_job(user: User, *, kind: str = AIJobKind.PROFILE_ANALYSIS, **fields: Any) -> AIJob:
    return AIJob.objects.create(user=user, kind=kind, **fields)


# Private facts that must never leave for a provider: each is unusual enough that finding
# it anywhere in a request body means it leaked.
PRIVATE = {
    "email": "zelda.quintessa-private@example.org",
    "phone": "+14155550199",
    "last_name": "Vandermolenhuizen",
    "birth_date": date(1991, 3, 17),
    "city": "Kleinzschachwitz",
    "occupation": "Cryptozoologist",
    "religion": "Pastafarian",
    "family_details": "Three older sisters in Gdansk",
}


def make_private_person() -> User:
    """A user whose account and profile carry every private fact of PRIVATE."""
    user = UserFactory(email=PRIVATE["email"], phone=PRIVATE["phone"])
    make_profile(
        user,
        display_name=f"Zelda {PRIVATE['last_name']}",
        birth_date=PRIVATE["birth_date"],
        city=PRIVATE["city"],
        occupation=PRIVATE["occupation"],
        religion=PRIVATE["religion"],
        family_details=PRIVATE["family_details"],
        bio="I restore old bicycles and bake sourdough on Sundays.",
        interests=("Cycling", "Baking"),
        prompts=(("My ideal Sunday is", "A long ride and fresh bread."),),
        photos=2,
    )
    return user
