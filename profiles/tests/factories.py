"""Profiles in known states for tests. `make_complete` gives a discoverable profile."""

from datetime import date
from typing import Any

from accounts.models import User
from accounts.tests.factories import UserFactory
from profiles import geo
from profiles.models import Gender, ModerationState, Photo, PhotoStatus, Profile
from profiles.services import profile_refresh_completion

# Snapped points in two cities, a few km apart within each.
PARIS = (48.8566, 2.3522)
PARIS_MONTMARTRE = (48.8867, 2.3431)
LYON = (45.764, 4.8357)


def set_location(profile: Profile, point: tuple[float, float]) -> None:
    latitude, longitude = geo.snap(*point)
    Profile.objects.filter(pk=profile.pk).update(
        latitude=latitude, longitude=longitude, cell=geo.cell_of(latitude, longitude)
    )


def add_approved_photo(profile: Profile, position: int = 0) -> Photo:
    """A photo row as if uploaded, processed and approved (no file behind it)."""
    return Photo.objects.create(
        profile=profile,
        position=position,
        status=PhotoStatus.READY,
        moderation_state=ModerationState.APPROVED,
        original=f"photos/{profile.pk}/test-{position}/original",
        renditions={
            size: f"photos/{profile.pk}/test-{position}/{size}.webp"
            for size in ("small", "medium", "large")
        },
        width=800,
        height=1000,
    )


def make_complete(
    user: User | None = None, *, point: tuple[float, float] = PARIS, **fields: Any
) -> Profile:
    user = user or UserFactory()
    values: dict[str, Any] = {
        "display_name": "Sam",
        "birth_date": date(1995, 6, 15),
        "gender": Gender.WOMAN,
        "interested_in": [Gender.MAN],
        **fields,
    }
    Profile.objects.filter(pk=user.pk).update(**values)
    profile = Profile.objects.get(pk=user.pk)
    set_location(profile, point)
    add_approved_photo(profile)
    profile_refresh_completion(profile_id=profile.pk)
    return Profile.objects.get(pk=user.pk)
