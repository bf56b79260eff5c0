"""Reads of profiles: my own, and someone else's public view."""

from uuid import UUID

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import User
from core.exceptions import NotFound
from profiles.hooks import hidden_profile_subqueries, incognito_audience_subqueries
from profiles.models import Profile
from profiles.onboarding import Step, approved_photo_count, onboarding_steps


def profile_get_own(*, user: User) -> Profile:
    return Profile.objects.prefetch_related("interests").get(pk=user.pk)


def profile_onboarding(*, profile: Profile) -> list[Step]:
    return onboarding_steps(
        profile, today=timezone.localdate(), approved_photos=approved_photo_count(profile)
    )


def _visible_profiles() -> QuerySet[Profile]:
    """Profiles anyone may look at: complete, not paused, account active and not sanctioned."""
    now = timezone.now()
    return (
        Profile.objects.filter(is_complete=True, is_paused=False, user__is_active=True)
        .filter(user__banned_at__isnull=True)
        .exclude(user__suspended_until__gt=now)
    )


def profile_get_public_for_viewer(*, viewer: User, user_id: UUID) -> Profile:
    """Someone's public profile as `viewer` may see it; 404 for anything hidden from them
    (missing, paused, incomplete, banned, suspended, deleted, incognito unless they liked
    the viewer, or hidden by a registered provider such as a block either way, see
    profiles.hooks), so that ids reveal nothing. My own profile is always visible to me (a
    preview)."""
    queryset = Profile.objects.select_related("user").prefetch_related("interests")
    if user_id != viewer.pk:
        # Incognito people are seen only by their registered audience (those they liked).
        not_incognito = Q(is_incognito=False)
        for audience in incognito_audience_subqueries(viewer.pk):
            not_incognito |= Q(pk__in=audience)
        queryset = queryset.filter(pk__in=_visible_profiles().values("pk")).filter(not_incognito)
        for hidden in hidden_profile_subqueries(viewer.pk):
            queryset = queryset.exclude(pk__in=hidden)
    profile = queryset.filter(pk=user_id).first()
    if profile is None:
        raise NotFound("No such profile.")
    return profile
