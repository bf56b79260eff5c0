"""A person with data in every app, and the people around them, for the export and erasure
tests. Marker strings make leaks easy to find in an archive or a table."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import DataExport, ExportStatus, LoginDevice, RecoveryCode, User
from accounts.tests.factories import UserFactory
from accounts.tokens import token_pair_for_user
from ai_helpers.models import AIJob
from chat.models import ChatFlag, ChatPreference
from chat.tests.factories import make_match, send
from conftest import PASSWORD
from core.redis import get_redis
from discovery.deck_store import deck_key, deck_served_key
from discovery.models import Exposure, Pass, ShortlistEntry
from matching.models import AbuseFlag, Like, Match
from matching.tests.factories import set_quota
from moderation.models import AuditEntry, Block, Evidence, Report, Sanction
from notifications.models import Notification, NotificationPreference, PushDevice
from profiles.models import (
    Photo,
    Profile,
    ProfileBadge,
    PromptAnswer,
    QuizAnswer,
    VerificationRequest,
)
from profiles.photo_services import photo_process, photo_upload
from profiles.tests.conftest import Images
from profiles.tests.factories import LYON, make_complete
from profiles.tests.quiz_factories import PromptFactory, QuizOptionFactory, QuizQuestionFactory

# Nothing of these may appear in the person's export.
OTHER_SECRETS = (
    "Morgan Elsewhere",
    "OTHER-SECRET-BIO",
    "OTHER-TO-THIRD-COMMENT",
    "OTHER-TO-THIRD-MESSAGE",
    "OTHER-REPORT-ABOUT-USER",
    "INTERNAL-SANCTION-NOTE",
    "OTHER-OPENERS-RESULT",
    "OTHER-PRIVATE-PROMPT",
)


@dataclass
class World:
    user: User
    other: User  # matched with the user, they wrote to each other
    third: User  # liked and reported by the user; matched with `other`
    fourth: User
    moderator: User
    match: Match
    user_photos: list[Photo] = field(default_factory=list)
    other_photos: list[Photo] = field(default_factory=list)
    selfie_name: str = ""
    export_name: str = ""


def _upload(user: User, data: bytes, name: str) -> Photo:
    photo = photo_upload(user=user, image=SimpleUploadedFile(name, data))
    processed = photo_process(photo_id=photo.pk)
    assert processed is not None
    return processed


def build_world(*, with_files: bool = True) -> World:
    user = UserFactory(email="robin@example.com", password=PASSWORD, phone="+14155550123")
    other = UserFactory(email="morgan@example.com", password=PASSWORD)
    third = UserFactory(email="third@example.com", password=PASSWORD)
    fourth = UserFactory(email="fourth@example.com", password=PASSWORD)
    moderator = UserFactory(email="mod@example.com", is_staff=True)
    make_complete(
        user,
        display_name="Robin Unique",
        bio="USER-BIO kayaking",
        birth_date=date(1994, 3, 2),
    )
    make_complete(other, point=LYON, display_name="Morgan Elsewhere", bio="OTHER-SECRET-BIO")
    make_complete(third, display_name="Third Person")
    world = World(user, other, third, fourth, moderator, match=None)  # type: ignore[arg-type]

    profile = Profile.objects.get(pk=user.pk)
    prompt = PromptFactory(text="My ideal Sunday is")
    PromptAnswer.objects.create(profile=profile, prompt=prompt, answer="USER-PROMPT-ANSWER")
    PromptAnswer.objects.create(
        profile=Profile.objects.get(pk=other.pk), prompt=prompt, answer="OTHER-PRIVATE-PROMPT"
    )
    question = QuizQuestionFactory(text="Pick a weekend")
    option = QuizOptionFactory(question=question, text="Mountains", position=0)
    QuizAnswer.objects.create(profile=profile, question=question, option=option)
    ProfileBadge.objects.create(profile=profile, code="storyteller")

    if with_files:
        world.user_photos = [
            _upload(user, Images.jpeg(640, 480), "beach.jpg"),
            _upload(user, Images.png(), "hike.png"),
        ]
        world.other_photos = [_upload(other, Images.jpeg(480, 640), "other.jpg")]
        attempt = VerificationRequest.objects.create(
            profile=profile,
            pose="wave",
            status="pending",
            challenge_expires_at=timezone.now(),
            submitted_at=timezone.now(),
        )
        attempt.selfie.save("selfie.jpg", ContentFile(Images.jpeg(320, 240)), save=True)
        world.selfie_name = attempt.selfie.name
        world.export_name = default_storage.save(
            f"exports/{user.pk}/earlier/archive.zip", ContentFile(b"an earlier archive")
        )
        DataExport.objects.create(
            user=user,
            status=ExportStatus.READY,
            file_name=world.export_name,
        )
        DataExport.objects.filter(user=user).update(created_at=timezone.now() - timedelta(days=3))

    # Likes and the match, with a conversation both wrote in.
    Like.objects.create(actor=user, target=other, comment="USER-LIKE-COMMENT")
    Like.objects.create(actor=other, target=user, comment="OTHER-LIKE-COMMENT")
    Like.objects.create(actor=user, target=third, comment="USER-LIKES-THIRD")
    Like.objects.create(actor=other, target=third, comment="OTHER-TO-THIRD-COMMENT")
    set_quota(user, day_count=2, total_count=2)
    world.match = make_match(user, other)
    send(user, world.match, "USER-MESSAGE-ONE hello Morgan")
    send(other, world.match, "OTHER-MESSAGE-TO-USER hi Robin")
    send(user, world.match, "USER-MESSAGE-TWO how are you")
    other_third = make_match(other, third)
    send(other, other_third, "OTHER-TO-THIRD-MESSAGE secret")
    ChatPreference.objects.create(user=user, allow_calls=False)
    # Signals for moderators: an open abuse flag (kept), a reviewed chat flag (erased).
    AbuseFlag.objects.create(user=user, kind="rapid_likes", details={"likes": 40})
    ChatFlag.objects.create(
        user=user, reason="copied_opener", body="USER-MESSAGE-ONE", reviewed_at=timezone.now()
    )

    # Discovery.
    Pass.objects.create(actor=user, target=fourth)
    Pass.objects.create(actor=fourth, target=user)
    ShortlistEntry.objects.create(owner=user, target=third)
    ShortlistEntry.objects.create(owner=fourth, target=user)
    Exposure.objects.create(user=user, shown_count=5, liked_count=1)
    get_redis().rpush(deck_key(user.pk), "entry")
    get_redis().sadd(deck_served_key(user.pk), str(third.pk))

    # Moderation: a block each way, a report by and about the person, a sanction.
    Block.objects.create(blocker=user, blocked=fourth)
    Block.objects.create(blocker=fourth, blocked=user)
    now = timezone.now()
    filed = Report.objects.create(
        reporter=user,
        reported=third,
        reason="harassment",
        reasons=["harassment"],
        last_submitted_at=now,
    )
    Evidence.objects.create(
        report=filed,
        reason="harassment",
        details="USER-REPORT-DETAILS",
        profile={"display_name": "Third Person"},
    )
    about = Report.objects.create(
        reporter=other, reported=user, reason="spam_or_scam", reasons=["spam_or_scam"],
        last_submitted_at=now,
    )  # fmt: skip
    Evidence.objects.create(
        report=about,
        reason="spam_or_scam",
        details="OTHER-REPORT-ABOUT-USER",
        profile={"display_name": "Robin Unique"},
        referenced_messages=[{"body": "USER-MESSAGE-ONE hello Morgan"}],
    )
    sanction = Sanction.objects.create(
        user=user,
        kind="warning",
        policy_reason="Be kind to people",
        note="INTERNAL-SANCTION-NOTE",
        moderator=moderator,
    )
    AuditEntry.objects.create(
        actor=moderator,
        actor_email=moderator.email,
        action="sanction_applied",
        target_type="sanction",
        target_id=str(sanction.pk),
        subject_user_id=user.pk,
    )

    # Notifications, about the person and to others about them.
    Notification.objects.create(
        user=user, kind="moderation_notice", title="A warning", body="Be kind to people"
    )
    Notification.objects.create(
        user=user,
        kind="like_received",
        title="Morgan Elsewhere likes you",
        body="OTHER-LIKE-COMMENT",
        data={"user_id": str(other.pk)},
    )
    Notification.objects.create(
        user=other,
        kind="message_received",
        title="Robin Unique",
        body="USER-MESSAGE-ONE hello Morgan",
        data={"sender_id": str(user.pk), "conversation_id": str(world.match.pk)},
    )
    PushDevice.objects.create(user=user, token="USER-PUSH-TOKEN", platform="ios")
    NotificationPreference.objects.create(user=user, disabled_kinds=["like_received"])

    # AI jobs: the person's analysis; the other's openers drawn from the person's profile.
    AIJob.objects.create(
        user=user, kind="profile_analysis", status="succeeded", result={"summary": "USER-AI"}
    )
    AIJob.objects.create(
        user=other,
        kind="openers",
        match=world.match,
        status="succeeded",
        result={"openers": ["OTHER-OPENERS-RESULT"]},
    )

    # Accounts: second factor, a remembered device, a session.
    TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    RecoveryCode.objects.create(user=user, code_hash="0" * 64)
    LoginDevice.objects.create(user=user, fingerprint="f" * 64, user_agent="KindredApp/1.0")
    token_pair_for_user(user)
    return world
