"""Freezing evidence at report time: the reported profile as it was, and messages.

Messages belong to chat, which is built on moderation (DESIGN.md §3): they are read with
lazy imports inside `messages_snapshot`, only when a report concerns a pair that has a
conversation, so moderation never imports chat or matching at module import time.

Photos are listed with their rendition names; `evidence_copy_photos` (a task, after
commit) copies each medium rendition under `evidence/`, so the picture survives the
photo's deletion until the evidence is purged.
"""

import logging
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from core.exceptions import ValidationFailed
from moderation.models import Evidence
from profiles.models import MATRIMONY_FIELDS, Photo, Profile, PromptAnswer
from profiles.onboarding import age_on
from profiles.photo_services import STORAGE_ERRORS, TRANSIENT_STORAGE_ERRORS

logger = logging.getLogger(__name__)

EVIDENCE_PHOTO_SIZE = "medium"


def profile_snapshot(*, user_id: UUID) -> dict[str, Any]:
    """The reported person's public fields, prompt answers and every photo (with its
    moderation state), as plain JSON."""
    profile = Profile.objects.filter(pk=user_id).prefetch_related("interests").first()
    if profile is None:
        return {"user_id": str(user_id), "is_missing": True}
    photos = Photo.objects.filter(profile_id=user_id).order_by("position")
    answers = (
        PromptAnswer.objects.filter(profile_id=user_id)
        .select_related("prompt")
        .order_by("position", "created_at")
    )
    return {
        "user_id": str(user_id),
        "display_name": profile.display_name,
        "age": age_on(profile.birth_date, timezone.localdate()) if profile.birth_date else None,
        "gender": profile.gender,
        "city": profile.city,
        "bio": profile.bio,
        "height_cm": profile.height_cm,
        "relationship_intent": profile.relationship_intent,
        "languages": list(profile.languages),
        "interests": [interest.name for interest in profile.interests.all()],
        "details": {
            name: getattr(profile, name) for name in MATRIMONY_FIELDS if getattr(profile, name)
        },
        "is_verified": profile.is_verified,
        "prompts": [
            {"id": str(answer.pk), "prompt": answer.prompt.text, "answer": answer.answer}
            for answer in answers
        ],
        "photos": [
            {
                "id": str(photo.pk),
                "position": photo.position,
                "status": photo.status,
                "moderation_state": photo.moderation_state,
                "rendition": (photo.renditions or {}).get(EVIDENCE_PHOTO_SIZE, ""),
                "evidence_copy": "",
            }
            for photo in photos
        ],
    }


def _message_row(message: Any) -> dict[str, Any]:
    return {
        "id": str(message.pk),
        "sender_id": str(message.sender_id) if message.sender_id else None,
        "seq": message.seq,
        "body": message.body,
        "kind": getattr(message, "kind", ""),
        "created_at": message.created_at.isoformat(),
    }


def messages_snapshot(
    *, reporter_id: UUID, reported_id: UUID, message_ids: Sequence[UUID]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(referenced messages, the latest KINDRED_EVIDENCE_RECENT_MESSAGES) of the pair's
    conversation, oldest first. Referenced ids must all be messages of that conversation
    (400 `invalid_message_ids` otherwise, naming the unknown ones)."""
    from matching.models import Match  # moderation is below matching (DESIGN.md §3)

    low, high = sorted((reporter_id, reported_id))
    match_id = (
        Match.objects.filter(user_low_id=low, user_high_id=high)
        .values_list("pk", flat=True)
        .first()
    )
    wanted = list(dict.fromkeys(message_ids))
    if match_id is None:
        if wanted:
            raise _invalid_message_ids(wanted)
        return [], []
    try:
        from chat.models import Message  # moderation is below chat (DESIGN.md §3)
    except ImportError:
        if wanted:
            raise _invalid_message_ids(wanted) from None
        return [], []

    conversation = Message.objects.filter(conversation_id=match_id)
    referenced = list(conversation.filter(pk__in=wanted).order_by("seq"))
    unknown = sorted({str(key) for key in wanted} - {str(message.pk) for message in referenced})
    if unknown:
        raise _invalid_message_ids(unknown)
    recent = list(conversation.order_by("-seq")[: settings.KINDRED_EVIDENCE_RECENT_MESSAGES])
    recent.reverse()
    return [_message_row(message) for message in referenced], [
        _message_row(message) for message in recent
    ]


def _invalid_message_ids(ids: Sequence[Any]) -> ValidationFailed:
    return ValidationFailed(
        "Some messages are not part of your conversation with this person.",
        code="invalid_message_ids",
        extra={"fields": {"message_ids": ["Unknown message."]}, "unknown": [str(i) for i in ids]},
    )


def evidence_copy_name(*, evidence: Evidence, photo_id: str) -> str:
    return f"evidence/{evidence.report_id}/{evidence.pk}/{photo_id}.webp"


def evidence_copy_photos(*, evidence_id: UUID) -> int:
    """Copy each listed photo's rendition under `evidence/` and record the copy's name in
    the snapshot. Idempotent (copied photos are skipped); a rendition already gone is
    skipped and logged. Returns how many were copied now."""
    evidence = Evidence.objects.filter(pk=evidence_id).first()
    if evidence is None:
        return 0
    copied: dict[str, str] = {}
    for photo in evidence.profile.get("photos", []):
        if photo.get("evidence_copy") or not photo.get("rendition"):
            continue
        name = evidence_copy_name(evidence=evidence, photo_id=photo["id"])
        try:
            with default_storage.open(photo["rendition"], "rb") as source:
                content = source.read()
        except TRANSIENT_STORAGE_ERRORS:
            raise  # the task retries
        except STORAGE_ERRORS:
            logger.warning("evidence photo %s is gone before its copy", photo["id"])
            continue
        copied[photo["id"]] = default_storage.save(name, ContentFile(content))
    if not copied:
        return 0
    with transaction.atomic():
        locked = Evidence.objects.select_for_update().get(pk=evidence_id)
        for photo in locked.profile.get("photos", []):
            if photo["id"] in copied and not photo.get("evidence_copy"):
                photo["evidence_copy"] = copied[photo["id"]]
        locked.save(update_fields=["profile", "updated_at"])
    return len(copied)


def evidence_storage_names(*, evidence: Evidence) -> list[str]:
    return [
        photo["evidence_copy"]
        for photo in evidence.profile.get("photos", [])
        if photo.get("evidence_copy")
    ]
