"""People, likes and matches in known states for tests (other apps may use them too)."""

from typing import Any

import factory
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import UserFactory
from matching.models import Like, LikeQuota, Match, MatchState
from profiles.models import Profile
from profiles.tests.factories import make_complete


def person(user: User | None = None, **fields: Any) -> User:
    """A user with a complete, discoverable profile (a woman into men unless told)."""
    profile = make_complete(user or UserFactory(), **fields)
    return profile.user


class LikeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Like

    actor = factory.SubFactory(UserFactory)
    target = factory.SubFactory(UserFactory)
    comment = ""


def make_match(first: User, second: User, **fields: Any) -> Match:
    """The match of two people (with both likes, as a mutual like leaves them)."""
    Like.objects.get_or_create(actor=first, target=second)
    Like.objects.get_or_create(actor=second, target=first)
    low, high = sorted((first.pk, second.pk))
    values: dict[str, Any] = {"state": MatchState.ACTIVE, **fields}
    return Match.objects.create(user_low_id=low, user_high_id=high, **values)


def set_quota(user: User, *, day_count: int, total_count: int, day: Any = None) -> None:
    """As if `user` had sent likes already: `total_count` ever, `day_count` today (UTC)."""
    LikeQuota.objects.update_or_create(
        user=user,
        defaults={
            "day": day or timezone.now().date(),
            "day_count": day_count,
            "total_count": total_count,
            "recent_at": [],
        },
    )


def profile_of(user: User) -> Profile:
    return Profile.objects.get(pk=user.pk)
