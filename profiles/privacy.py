"""Export and erasure of what profiles holds on a person (contract: accounts.data_rights).

Erasure blanks the profile instead of deleting it: the row stays as an empty shell named
DELETED_DISPLAY_NAME, so that whatever still points at the person (an ended match, the
other side's messages, moderation evidence) shows a "Deleted user" rather than failing.
Photos, prompt answers, quiz answers, badges, interests, cached compatibilities and
verification attempts are deleted, and their files leave storage after commit.
"""

import mimetypes
from uuid import UUID

from django.core.files.storage import default_storage
from django.db.models import Q

from accounts.data_rights import ExportFile, ExportSection, People, iso
from accounts.storage_cleanup import storage_delete_folder
from profiles.models import (
    Compatibility,
    Photo,
    Profile,
    ProfileBadge,
    PromptAnswer,
    QuizAnswer,
    VerificationRequest,
)
from profiles.photo_services import photo_delete_files_for_profile

LABEL = "profile"
ERASE_ORDER = 60
DELETED_DISPLAY_NAME = "Deleted user"

# Profile fields that are bookkeeping, not something the person told us.
_NOT_EXPORTED = {"user", "cell", "is_complete", "is_discoverable", "created_at", "updated_at"}
# Kept as they are by the erasure (the key and the timestamps).
_KEPT_ON_ERASURE = {"user", "created_at", "updated_at"}


def _extension(content_type: str) -> str:
    return mimetypes.guess_extension(content_type or "") or ""


def export_user_data(*, user_id: UUID, people: People) -> ExportSection:
    profile = Profile.objects.filter(pk=user_id).first()
    if profile is None:
        return ExportSection(data={})
    fields = {}
    for field in Profile._meta.concrete_fields:
        if field.name in _NOT_EXPORTED:
            continue
        value = getattr(profile, field.attname)
        fields[field.name] = iso(value) if hasattr(value, "isoformat") else value
    files: list[ExportFile] = []
    photos = []
    for photo in Photo.objects.filter(profile=profile).order_by("position"):
        archive_path = ""
        if photo.original.name:
            archive_path = f"photos/{photo.pk}/original{_extension(photo.content_type)}"
            files.append(ExportFile(archive_path=archive_path, storage_name=photo.original.name))
        photos.append(
            {
                "id": str(photo.pk),
                "position": photo.position,
                "status": photo.status,
                "moderation_state": photo.moderation_state,
                "content_type": photo.content_type,
                "width": photo.width,
                "height": photo.height,
                "uploaded_at": iso(photo.created_at),
                "file": f"{LABEL}/{archive_path}" if archive_path else None,
            }
        )
    verifications = []
    for attempt in VerificationRequest.objects.filter(profile=profile).order_by("created_at"):
        archive_path = ""
        if attempt.selfie.name:
            archive_path = f"verification/{attempt.pk}/selfie"
            files.append(ExportFile(archive_path=archive_path, storage_name=attempt.selfie.name))
        verifications.append(
            {
                "pose": attempt.pose,
                "status": attempt.status,
                "requested_at": iso(attempt.created_at),
                "submitted_at": iso(attempt.submitted_at),
                "reviewed_at": iso(attempt.reviewed_at),
                "review_note": attempt.review_note,
                "selfie": f"{LABEL}/{archive_path}" if archive_path else None,
            }
        )
    return ExportSection(
        data={
            "profile": fields,
            "interests": sorted(profile.interests.values_list("name", flat=True)),
            "photos": photos,
            "prompts": [
                {
                    "prompt": answer.prompt.text,
                    "answer": answer.answer,
                    "position": answer.position,
                    "answered_at": iso(answer.created_at),
                }
                for answer in PromptAnswer.objects.filter(profile=profile)
                .select_related("prompt")
                .order_by("position", "created_at")
            ],
            "quiz_answers": [
                {
                    "question": answer.question.text,
                    "answer": answer.option.text,
                    "answered_at": iso(answer.created_at),
                }
                for answer in QuizAnswer.objects.filter(profile=profile)
                .select_related("question", "option")
                .order_by("question__position")
            ],
            "badges": list(
                ProfileBadge.objects.filter(profile=profile)
                .order_by("code")
                .values_list("code", flat=True)
            ),
            "verification_attempts": verifications,
        },
        files=files,
    )


def erase_user_data(*, user_id: UUID) -> None:
    profile = Profile.objects.select_for_update().filter(pk=user_id).first()
    if profile is None:
        return
    # Each photo row's post_delete receiver also schedules its files' deletion after commit;
    # erase_user_files below sweeps the whole folder in any case.
    for photo in Photo.objects.filter(profile=profile):
        photo.delete()
    PromptAnswer.objects.filter(profile=profile).delete()
    QuizAnswer.objects.filter(profile=profile).delete()
    ProfileBadge.objects.filter(profile=profile).delete()
    VerificationRequest.objects.filter(profile=profile).delete()
    Compatibility.objects.filter(Q(low=profile) | Q(high=profile)).delete()
    profile.interests.clear()
    changed = []
    for field in Profile._meta.concrete_fields:
        if field.name in _KEPT_ON_ERASURE:
            continue
        setattr(profile, field.attname, field.get_default())
        changed.append(field.name)
    profile.display_name = DELETED_DISPLAY_NAME
    profile.is_complete = False
    profile.is_discoverable = False
    profile.save(update_fields=[*changed, "updated_at"])


def erase_user_files(*, user_id: UUID) -> int:
    deleted = photo_delete_files_for_profile(profile_id=user_id)
    return deleted + storage_delete_folder(default_storage, f"verification/{user_id}")
