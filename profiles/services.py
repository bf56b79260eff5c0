"""Writes on profiles: creation with the account, basics and preferences, location,
onboarding state, verification."""

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core import ratelimit
from core.exceptions import Conflict, NotFound, RateLimited, ValidationFailed
from profiles import geo, imaging
from profiles.hooks import is_discoverability_vetoed
from profiles.models import (
    Interest,
    ModerationState,
    Profile,
    VerificationPose,
    VerificationRequest,
    VerificationStatus,
    verification_selfie_path,
)
from profiles.onboarding import approved_photo_count, is_complete, onboarding_steps
from profiles.quiz_tasks import schedule_badges_refresh


def profile_create_for_user(*, user: User) -> Profile:
    """The empty profile every account gets at creation. Idempotent."""
    profile, _ = Profile.objects.get_or_create(user=user)
    return profile


def profile_refresh_completion(*, profile_id: UUID) -> bool:
    """Recompute whether the profile's required onboarding steps are done, and whether it
    may be discovered (complete, not paused, account active, not banned or suspended,
    and no registered veto, see profiles.hooks).

    Call after anything that can change either: basics, preferences, location, photo
    approval or deletion, pausing, or a change of the account's standing. Idempotent.
    Returns the new `is_complete`.
    """
    with transaction.atomic():
        profile = Profile.objects.select_for_update().select_related("user").get(pk=profile_id)
        steps = onboarding_steps(
            profile, today=timezone.localdate(), approved_photos=approved_photo_count(profile)
        )
        complete = is_complete(steps)
        account = profile.user
        discoverable = (
            complete
            and not profile.is_paused
            and account.is_active
            and not account.is_banned
            and not account.is_suspended
            and not is_discoverability_vetoed(profile.pk)
        )
        if (complete, discoverable) != (profile.is_complete, profile.is_discoverable):
            profile.is_complete = complete
            profile.is_discoverable = discoverable
            profile.save(update_fields=["is_complete", "is_discoverable", "updated_at"])
    return complete


def profile_primary_photo_changed(*, profile_id: UUID) -> None:
    """A new primary photo must be verified again: drop the verified mark."""
    Profile.objects.filter(pk=profile_id, is_verified=True).update(
        is_verified=False, verified_at=None, updated_at=timezone.now()
    )


# --- own profile ---------------------------------------------------------------------------

_PROFILE_FIELDS = frozenset(
    {
        "display_name", "birth_date", "gender", "interested_in", "age_min", "age_max",
        "max_distance_km", "wants_verified_only", "bio", "height_cm", "relationship_intent",
        "languages", "religion", "community", "mother_tongue", "marital_status", "education",
        "occupation", "income_band", "family_details", "diet", "smoking", "drinking",
        "is_paused", "is_incognito", "show_distance", "show_age",
    }
)  # fmt: skip


def profile_update(*, user: User, data: dict[str, Any]) -> Profile:
    """Apply a partial update of one's own profile; `data` is validated input.

    Cross-field rule: the age range stays ordered, comparing given values with stored ones.
    Onboarding completion is recomputed in the same transaction.
    """
    with transaction.atomic():
        profile = Profile.objects.select_for_update().get(pk=user.pk)
        age_min = data.get("age_min", profile.age_min)
        age_max = data.get("age_max", profile.age_max)
        if age_min > age_max:
            raise ValidationFailed(
                "The minimum age is above the maximum age.",
                code="invalid_age_range",
                extra={"fields": {"age_min": ["Must not exceed age_max."]}},
            )
        changed = []
        for name, value in data.items():
            if name in _PROFILE_FIELDS and getattr(profile, name) != value:
                setattr(profile, name, value)
                changed.append(name)
        if changed:
            profile.save(update_fields=[*changed, "updated_at"])
        if "interests" in data:
            profile.interests.set(Interest.objects.filter(slug__in=data["interests"]))
    profile_refresh_completion(profile_id=profile.pk)
    profile.refresh_from_db()
    return profile


# --- location ------------------------------------------------------------------------------

# Short hops are never "impossible": GPS noise and snapping move a point by a few km.
_TRAVEL_FREE_KM = 50.0


def profile_set_location(
    *, user: User, latitude: float, longitude: float, city: str | None = None
) -> Profile:
    """Store my location snapped to the ~1 km grid with its discovery cell.

    Refuses a move faster than an airliner since the last update (400 `impossible_travel`)
    and more than KINDRED_THROTTLES["location_user"] updates per window (429).
    """
    decision = ratelimit.hit(
        "location", str(user.pk), ratelimit.Rate.parse(settings.KINDRED_THROTTLES["location_user"])
    )
    if not decision.is_allowed:
        raise RateLimited(
            "Too many location updates. Try again later.",
            code="location_rate_limited",
            retry_after=decision.retry_after,
        )
    snapped_latitude, snapped_longitude = geo.snap(latitude, longitude)
    now = timezone.now()
    with transaction.atomic():
        profile = Profile.objects.select_for_update().get(pk=user.pk)
        if profile.latitude is not None and profile.location_updated_at is not None:
            assert profile.longitude is not None
            kilometres = geo.distance_km(
                profile.latitude, profile.longitude, snapped_latitude, snapped_longitude
            )
            hours = max((now - profile.location_updated_at).total_seconds() / 3600, 1 / 3600)
            if kilometres > _TRAVEL_FREE_KM and kilometres / hours > geo.MAX_TRAVEL_KMH:
                raise ValidationFailed(
                    "That is further than anyone could have travelled since the last update.",
                    code="impossible_travel",
                    extra={"distance_km": round(kilometres), "hours": round(hours, 2)},
                )
        profile.latitude = snapped_latitude
        profile.longitude = snapped_longitude
        profile.cell = geo.cell_of(snapped_latitude, snapped_longitude)
        if city is not None:
            profile.city = city
        profile.location_updated_at = now
        profile.save(
            update_fields=[
                "latitude",
                "longitude",
                "cell",
                "city",
                "location_updated_at",
                "updated_at",
            ]
        )
    profile_refresh_completion(profile_id=profile.pk)
    profile.refresh_from_db()
    return profile


# --- verification --------------------------------------------------------------------------

CHALLENGE_LIFETIME = timedelta(minutes=10)


@dataclass(frozen=True)
class VerificationState:
    status: str  # "none" or a VerificationStatus value
    is_verified: bool
    challenge: VerificationRequest | None
    review_note: str


def verification_state(*, user: User) -> VerificationState:
    """Where my verification stands. When I may start an attempt, this hands out a
    challenge: a pose chosen at random, different from my previous one, valid for
    CHALLENGE_LIFETIME and answerable once. Asking again returns the same live challenge."""
    with transaction.atomic():
        profile = Profile.objects.select_for_update().get(pk=user.pk)
        latest = profile.verification_requests.order_by("-created_at").first()
        now = timezone.now()
        if profile.is_verified:
            return VerificationState(VerificationStatus.APPROVED, True, None, "")
        if latest and latest.status == VerificationStatus.PENDING:
            return VerificationState(VerificationStatus.PENDING, False, None, "")
        if latest and latest.status == VerificationStatus.CHALLENGED:
            if latest.challenge_expires_at > now:
                return VerificationState(VerificationStatus.CHALLENGED, False, latest, "")
            latest.status = VerificationStatus.EXPIRED
            latest.save(update_fields=["status", "updated_at"])
        poses = [pose for pose in VerificationPose.values if not latest or pose != latest.pose]
        challenge = VerificationRequest.objects.create(
            profile=profile,
            pose=secrets.choice(poses),
            challenge_expires_at=now + CHALLENGE_LIFETIME,
        )
        note = latest.review_note if latest and latest.status == VerificationStatus.REJECTED else ""
        return VerificationState(VerificationStatus.CHALLENGED, False, challenge, note)


def verification_submit(
    *, user: User, challenge_id: UUID, selfie: UploadedFile
) -> VerificationRequest:
    """Answer my live challenge with a selfie; the attempt then waits for a moderator.

    Refused: a challenge that is not mine or not live (404 / 409 `challenge_expired`,
    `challenge_used`), a profile without an approved photo to compare with (409
    `verification_needs_photo`), an already verified profile (409 `already_verified`),
    an unreadable image (400 `unsupported_image`).
    """
    upload = imaging.validate_upload(selfie, too_large_code="selfie_too_large")
    try:
        # Rebuilt from pixels like any photo: the stored selfie carries no GPS or camera data.
        rendered = imaging.render_photo(
            upload.content, max_pixels=settings.KINDRED_PHOTO_MAX_PIXELS
        )
    except imaging.ImageRejected as rejection:
        raise ValidationFailed(rejection.message, code=rejection.code) from rejection
    clean_selfie = rendered.renditions["large"].data
    with transaction.atomic():
        profile = Profile.objects.select_for_update().get(pk=user.pk)
        challenge = (
            VerificationRequest.objects.select_for_update()
            .filter(pk=challenge_id, profile=profile)
            .first()
        )
        if challenge is None:
            raise NotFound("No such verification challenge.")
        if profile.is_verified:
            raise Conflict("This profile is already verified.", code="already_verified")
        if challenge.status != VerificationStatus.CHALLENGED:
            raise Conflict("This challenge was already answered.", code="challenge_used")
        if challenge.challenge_expires_at <= timezone.now():
            raise Conflict(
                "This challenge has expired; ask for a new one.", code="challenge_expired"
            )
        if not profile.photos.filter(moderation_state=ModerationState.APPROVED).exists():
            raise Conflict(
                "Add a photo first: the selfie is compared with your photos.",
                code="verification_needs_photo",
            )
        name = verification_selfie_path(challenge, "selfie.webp")
        challenge.selfie.name = default_storage.save(name, ContentFile(clean_selfie))
        challenge.status = VerificationStatus.PENDING
        challenge.submitted_at = timezone.now()
        challenge.save(update_fields=["selfie", "status", "submitted_at", "updated_at"])
    return challenge


def verification_review(
    *, request_id: UUID, moderator: User, is_approved: bool, note: str = ""
) -> VerificationRequest:
    """A moderator's decision on a pending attempt. Approval sets the verified mark (and the
    badge, after commit); rejection keeps the note, which the person sees."""
    with transaction.atomic():
        attempt = VerificationRequest.objects.select_for_update().get(pk=request_id)
        if attempt.status != VerificationStatus.PENDING:
            raise Conflict("This attempt is not waiting for review.", code="not_pending")
        attempt.status = VerificationStatus.APPROVED if is_approved else VerificationStatus.REJECTED
        attempt.reviewed_by = moderator
        attempt.reviewed_at = timezone.now()
        attempt.review_note = note
        attempt.save(
            update_fields=["status", "reviewed_by", "reviewed_at", "review_note", "updated_at"]
        )
        if is_approved:
            Profile.objects.filter(pk=attempt.profile_id).update(
                is_verified=True, verified_at=attempt.reviewed_at, updated_at=attempt.reviewed_at
            )
        schedule_badges_refresh(profile_id=attempt.profile_id)
    return attempt
