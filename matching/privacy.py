"""Export and erasure of what matching holds on a person (contract: accounts.data_rights).

Erasure ends every open match in state `deleted` through matching's own service (so chat
closes the conversations and both sides get the usual events), then deletes likes in
both directions and the like counters. Matches stay, ended, as the other side's history.
Abuse flags still open stay as moderation evidence (a moderator has yet to look); resolved
ones have served and go.
"""

from uuid import UUID

from django.db.models import Q

from accounts.data_rights import ExportSection, People, iso
from matching.models import AbuseFlag, Like, LikeQuota, Match
from matching.services import matches_end_for_deleted_user

LABEL = "matching"
ERASE_ORDER = 20


def export_user_data(*, user_id: UUID, people: People) -> ExportSection:
    matches = []
    for match in Match.objects.filter(Q(user_low_id=user_id) | Q(user_high_id=user_id)).order_by(
        "created_at"
    ):
        matches.append(
            {
                "person": people.name(match.other_user_id(user_id)),
                "state": match.state,
                "matched_at": iso(match.created_at),
                "state_changed_at": iso(match.state_changed_at),
                "ended_by": people.name(match.ended_by_id),
                "last_activity_at": iso(match.last_activity_at),
            }
        )
    quota = LikeQuota.objects.filter(user_id=user_id).first()
    return ExportSection(
        data={
            "likes_sent": [
                {
                    "person": people.name(like.target_id),
                    "comment": like.comment,
                    "on_photo": like.photo_id is not None,
                    "on_prompt": like.prompt_id is not None,
                    "liked_at": iso(like.created_at),
                }
                for like in Like.objects.filter(actor_id=user_id).order_by("created_at")
            ],
            "matches": matches,
            "likes_sent_total": quota.total_count if quota else 0,
        }
    )


def erase_user_data(*, user_id: UUID) -> None:
    matches_end_for_deleted_user(user_id=user_id)
    Like.objects.filter(Q(actor_id=user_id) | Q(target_id=user_id)).delete()
    LikeQuota.objects.filter(user_id=user_id).delete()
    AbuseFlag.objects.filter(user_id=user_id, resolved_at__isnull=False).delete()
