"""Export and erasure of what discovery holds on a person (contract: accounts.data_rights):
passes, the shortlist, exposure counters, and the deck cached in Redis."""

from uuid import UUID

from django.db.models import Q

from accounts.data_rights import ExportSection, People, iso
from core.redis import get_redis
from discovery.deck_store import deck_key, deck_meta_key, deck_served_key
from discovery.models import Exposure, Pass, ShortlistEntry

LABEL = "discovery"
ERASE_ORDER = 40


def export_user_data(*, user_id: UUID, people: People) -> ExportSection:
    exposure = Exposure.objects.filter(user_id=user_id).first()
    return ExportSection(
        data={
            "passes": [
                {"person": people.name(row.target_id), "passed_at": iso(row.created_at)}
                for row in Pass.objects.filter(actor_id=user_id).order_by("created_at")
            ],
            "shortlist": [
                {"person": people.name(row.target_id), "saved_at": iso(row.created_at)}
                for row in ShortlistEntry.objects.filter(owner_id=user_id).order_by("created_at")
            ],
            "exposure": (
                {"shown_in_decks": exposure.shown_count, "liked": exposure.liked_count}
                if exposure
                else None
            ),
        }
    )


def erase_user_data(*, user_id: UUID) -> None:
    Pass.objects.filter(Q(actor_id=user_id) | Q(target_id=user_id)).delete()
    ShortlistEntry.objects.filter(Q(owner_id=user_id) | Q(target_id=user_id)).delete()
    Exposure.objects.filter(user_id=user_id).delete()


def erase_user_files(*, user_id: UUID) -> int:
    """The person's deck, its meta and the set of profiles it served (Redis)."""
    return int(
        get_redis().delete(deck_key(user_id), deck_meta_key(user_id), deck_served_key(user_id))
    )
