import io
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image

from accounts.tests.factories import UserFactory
from profiles.models import Profile, VerificationPose, VerificationRequest, VerificationStatus
from profiles.services import verification_review
from profiles.tests.factories import make_complete

pytestmark = pytest.mark.django_db

VERIFICATION = "/api/v1/profile/verification"


def selfie(name: str = "selfie.jpg") -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (300, 400), (120, 90, 60)).save(buffer, format="JPEG")
    buffer.seek(0)
    buffer.name = name
    return buffer


def challenge_of(client) -> dict:
    body = client.get(VERIFICATION).json()
    assert body["status"] == "challenged"
    return body["challenge"]


def submit(client, challenge_id: str, file=None):
    return client.post(
        VERIFICATION, {"challenge_id": challenge_id, "selfie": file or selfie()}, format="multipart"
    )


def test_get_hands_out_one_live_challenge(auth_client, user):
    make_complete(user)

    first = challenge_of(auth_client)
    again = challenge_of(auth_client)

    assert first == again
    assert first["pose"] in VerificationPose.values
    assert first["instruction"]


def test_submitting_a_selfie_queues_the_attempt_for_review(auth_client, user):
    make_complete(user)
    challenge = challenge_of(auth_client)

    response = submit(auth_client, challenge["id"])

    assert response.status_code == 202
    assert response.json()["status"] == "pending"
    attempt = VerificationRequest.objects.get(pk=challenge["id"])
    assert attempt.status == VerificationStatus.PENDING
    assert default_storage.exists(attempt.selfie.name)


def test_a_challenge_cannot_be_answered_twice(auth_client, user):
    make_complete(user)
    challenge = challenge_of(auth_client)
    submit(auth_client, challenge["id"])

    response = submit(auth_client, challenge["id"])

    assert response.status_code == 409
    assert response.json()["code"] == "challenge_used"


def test_an_expired_challenge_is_refused_and_a_new_pose_is_asked(auth_client, user):
    make_complete(user)
    challenge = challenge_of(auth_client)
    VerificationRequest.objects.filter(pk=challenge["id"]).update(
        challenge_expires_at=timezone.now() - timedelta(seconds=1)
    )

    response = submit(auth_client, challenge["id"])
    fresh = challenge_of(auth_client)

    assert response.status_code == 409
    assert response.json()["code"] == "challenge_expired"
    assert fresh["id"] != challenge["id"]
    assert fresh["pose"] != challenge["pose"]


def test_someone_elses_challenge_is_a_404(auth_client, user):
    make_complete(user)
    other = make_complete(UserFactory())
    from profiles.services import verification_state

    foreign = verification_state(user=other.user).challenge
    assert foreign is not None

    response = submit(auth_client, str(foreign.pk))

    assert response.status_code == 404
    assert VerificationRequest.objects.get(pk=foreign.pk).status == VerificationStatus.CHALLENGED


def test_a_profile_without_approved_photo_cannot_submit(auth_client, user):
    challenge = challenge_of(auth_client)

    response = submit(auth_client, challenge["id"])

    assert response.status_code == 409
    assert response.json()["code"] == "verification_needs_photo"


def test_a_non_image_selfie_is_refused(auth_client, user):
    make_complete(user)
    challenge = challenge_of(auth_client)
    fake = io.BytesIO(b"<html>not an image</html>")
    fake.name = "selfie.jpg"

    response = submit(auth_client, challenge["id"], fake)

    assert response.status_code == 400
    assert response.json()["code"] == "unsupported_image"
    assert (
        VerificationRequest.objects.get(pk=challenge["id"]).status == VerificationStatus.CHALLENGED
    )


def test_approval_sets_the_verified_mark_and_schedules_badges(
    auth_client, user, django_capture_on_commit_callbacks
):
    make_complete(user)
    challenge = challenge_of(auth_client)
    submit(auth_client, challenge["id"])
    moderator = UserFactory(is_staff=True)

    with django_capture_on_commit_callbacks() as callbacks:
        verification_review(request_id=challenge["id"], moderator=moderator, is_approved=True)

    assert Profile.objects.get(pk=user.pk).is_verified is True
    assert len(callbacks) == 1
    body = auth_client.get(VERIFICATION).json()
    assert (body["status"], body["is_verified"], body["challenge"]) == ("approved", True, None)


def test_rejection_shows_the_note_and_allows_a_new_attempt(auth_client, user):
    make_complete(user)
    challenge = challenge_of(auth_client)
    submit(auth_client, challenge["id"])

    verification_review(
        request_id=challenge["id"],
        moderator=UserFactory(is_staff=True),
        is_approved=False,
        note="Your face is not visible.",
    )
    body = auth_client.get(VERIFICATION).json()

    assert body["status"] == "challenged"
    assert body["review_note"] == "Your face is not visible."
    assert body["challenge"]["id"] != challenge["id"]
    assert Profile.objects.get(pk=user.pk).is_verified is False
