"""Decks (DESIGN.md §4): build a ranked list of a few hundred ids per person into Redis, and
serve it page by page.

Building: the radius widens (5, 10, 15, 20 km, then the person's maximum) until the pool
holds at least KINDRED_DECK_SIZE candidates; the pool (up to twice that, nearest first) is
ranked (discovery.ranking) and the best KINDRED_DECK_SIZE are written with a TTL.

Serving: entries are popped atomically (concurrent requests get disjoint pages and served
ids never come back through a rebuild), rechecked against every visibility filter in one
query that also loads the cards, and a rebuild is scheduled when fewer than
KINDRED_DECK_LOW_WATERMARK remain. A missing deck is built inline, once, in the request:
the first swipe session then starts at once instead of on a "building" screen. The build is
bounded: candidate rings (discovery.candidates; usually one query) and one feature query,
each LIMITed, and only the entries kept are explained.
"""

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from core.db import get_by_key
from discovery import deck_store
from discovery.candidates import fetch_widening
from discovery.ranking import RankingFeatures, completeness_score, rank, with_distance
from discovery.sql import where_sql
from discovery.visibility import visibility_sql
from profiles import geo
from profiles.models import Photo, Profile
from profiles.onboarding import age_on
from profiles.photo_selectors import photo_public_queryset

# The pool ranked is this many times the deck size, nearest first.
POOL_FACTOR = 2
# When a page loses entries to the recheck, pop again at most this many times to fill it.
MAX_REFILL_ROUNDS = 2
# A scheduled rebuild is not scheduled again within this many seconds.
REBUILD_CLAIM_SECONDS = 60

REASON_NO_LOCATION = "no_location"
REASON_INCOMPLETE_PROFILE = "incomplete_profile"
REASON_NO_CANDIDATES = "no_candidates"
REASON_BUILDING = "building"
REASONS = (REASON_NO_LOCATION, REASON_INCOMPLETE_PROFILE, REASON_NO_CANDIDATES, REASON_BUILDING)


@dataclass(frozen=True)
class DeckBuild:
    user_id: UUID
    size: int
    radius_km: int | None
    reason: str | None


@dataclass(frozen=True)
class DeckCard:
    user_id: UUID
    display_name: str
    age: int | None
    distance: str | None
    is_verified: bool
    photos: list[Photo]
    reasons: list[str]


@dataclass(frozen=True)
class DeckPage:
    results: list[DeckCard]
    radius_km: int | None
    reason: str | None
    remaining: int = 0
    rebuild_scheduled: bool = field(default=False, compare=False)


def _unavailable_reason(profile: Profile) -> str | None:
    # Location first: without one a profile is also incomplete, and this says what to fix.
    if profile.cell is None:
        return REASON_NO_LOCATION
    if not profile.is_complete:
        return REASON_INCOMPLETE_PROFILE
    return None


def _schedule_rebuild(user_id: UUID) -> None:
    from discovery.tasks import deck_build_task  # tasks import this module

    transaction.on_commit(partial(deck_build_task.delay, str(user_id)))


# --- building -------------------------------------------------------------------------------


@functools.cache
def _public_photos_sql() -> tuple[str, list[Any]]:
    # profiles' rule for photos others may see; constant, so compiled once per process.
    return where_sql(photo_public_queryset())


def _ranking_features_sql(ids: list[UUID]) -> tuple[str, list[Any]]:
    """Everything ranking needs for the pool in one statement: the profile's own columns
    (flags, not texts), the account's last visit and the exposure counters (one primary-key
    probe each), and photo and prompt counts grouped once over the whole pool. Times come
    as epoch seconds: turning a float into a datetime costs far less than parsing text."""
    public_photos, public_photo_params = _public_photos_sql()
    sql = f"""
        WITH pool AS MATERIALIZED (SELECT %s::uuid[] AS ids)
        SELECT p.user_id, p.traits, date_part('epoch', p.created_at),
               (SELECT date_part('epoch', u.last_seen_at) FROM accounts_user u
                WHERE u.id = p.user_id),
               p.bio <> '', p.relationship_intent <> '', p.height_cm IS NOT NULL,
               coalesce(cardinality(p.languages), 0) > 0,
               (SELECT ARRAY[e.shown_count, e.liked_count] FROM discovery_exposure e
                WHERE e.user_id = p.user_id),
               coalesce(photos.n, 0), coalesce(prompts.n, 0)
        FROM profiles_profile p
        LEFT JOIN (
            SELECT profile_id, count(*) AS n FROM profiles_photo
            WHERE profile_id = ANY((SELECT ids FROM pool)::uuid[]) AND {public_photos}
            GROUP BY profile_id
        ) photos ON photos.profile_id = p.user_id
        LEFT JOIN (
            SELECT profile_id, count(*) AS n FROM profiles_promptanswer
            WHERE profile_id = ANY((SELECT ids FROM pool)::uuid[]) GROUP BY profile_id
        ) prompts ON prompts.profile_id = p.user_id
        WHERE p.user_id = ANY((SELECT ids FROM pool)::uuid[])
    """  # noqa: S608  (fixed SQL and the ORM's compiled photo rule; values are parameters)
    # One array literal: binding hundreds of UUIDs one by one costs more than the query
    # (and PostgreSQL reads the bare hex form, quicker to make than the hyphenated one).
    return sql, ["{" + ",".join(user_id.hex for user_id in ids) + "}", *public_photo_params]


def _ranking_features(distances: dict[UUID, float]) -> list[RankingFeatures]:
    """Everything ranking needs for the pool, in one query (see _ranking_features_sql)."""
    with connection.cursor() as cursor:
        cursor.execute(*_ranking_features_sql(list(distances)))
        rows = cursor.fetchall()
    return [
        RankingFeatures(
            user_id=user_id,
            distance_km=distances[user_id],
            traits=traits,
            last_seen_at=last_seen_at,
            created_at=created_at,
            completeness=completeness_score(
                has_bio=has_bio,
                has_traits=traits is not None,
                has_intent=has_intent,
                has_height=has_height,
                has_languages=has_languages,
                prompt_count=prompt_count,
                photo_count=photo_count,
            ),
            shown_count=exposure[0] if exposure else 0,
            liked_count=exposure[1] if exposure else 0,
        )
        for (
            user_id,
            traits,
            created_at,
            last_seen_at,
            has_bio,
            has_intent,
            has_height,
            has_languages,
            exposure,
            photo_count,
            prompt_count,
        ) in rows
    ]


def deck_build(*, user_id: UUID) -> DeckBuild:
    """Rank this person's candidates and replace their deck in Redis (TTL
    KINDRED_DECK_TTL_SECONDS). Idempotent: building twice gives the same deck, minus what
    was served in between. Profiles already served stay out until the served set expires.
    Writes an empty deck with a reason when there is nothing to show."""
    size = settings.KINDRED_DECK_SIZE
    ttl = settings.KINDRED_DECK_TTL_SECONDS
    built_at = timezone.now()
    try:  # written-out SQL (core.db): the ORM's compile of a profile query cost 1.4 ms
        profile: Profile | None = get_by_key(Profile, user_id)
    except Profile.DoesNotExist:
        profile = None
    reason = REASON_INCOMPLETE_PROFILE if profile is None else _unavailable_reason(profile)
    radius_km: int | None = None
    entries: list[deck_store.DeckEntry] = []
    if profile is not None and reason is None:
        served = deck_store.deck_served_ids(user_id=user_id)
        pool = fetch_widening(
            profile=profile, enough=size + len(served), limit=POOL_FACTOR * size + len(served)
        )
        radius_km = pool.radius_km
        distances = {
            candidate.user_id: candidate.distance_km
            for candidate in pool.candidates
            if candidate.user_id not in served
        }
        ranked = rank(
            viewer_traits=profile.traits,
            candidates=_ranking_features(distances) if distances else [],
            weights=settings.KINDRED_DECK_WEIGHTS,
            now=built_at,
            keep=size,
        )
        entries = [
            deck_store.DeckEntry(user_id=item.user_id, reasons=item.reasons) for item in ranked
        ]
        reason = None if entries else REASON_NO_CANDIDATES
    kept = deck_store.deck_write(
        user_id=user_id,
        entries=entries,
        radius_km=radius_km,
        reason=reason,
        built_at=built_at.isoformat(),
        ttl_seconds=ttl,
    )
    deck_store.deck_release_rebuild(user_id=user_id)
    return DeckBuild(user_id=user_id, size=kept, radius_km=radius_km, reason=reason)


def deck_invalidate(*, user_id: UUID) -> None:
    """Throw the deck away (preferences, location or profile changed) and schedule a
    rebuild on commit. Safe to call any number of times."""
    deck_store.deck_delete(user_id=user_id)
    deck_store.deck_release_rebuild(user_id=user_id)
    deck_store.deck_claim_rebuild(user_id=user_id, seconds=REBUILD_CLAIM_SECONDS)
    _schedule_rebuild(user_id)


# --- serving --------------------------------------------------------------------------------


def _photo_from(data: dict[str, Any]) -> Photo:
    return Photo(
        id=UUID(data["id"]),
        status=data["status"],
        renditions=data["renditions"],
        blurhash=data["blurhash"],
        width=data["width"],
        height=data["height"],
    )


def _cards_sql(*, viewer: Profile, ids: list[UUID], today: date) -> tuple[str, list[Any]]:
    visible, visible_params = visibility_sql(viewer, today=today).visible()
    photos, photo_params = _public_photos_sql()
    sql = f"""
        SELECT "profiles_profile"."user_id", "profiles_profile"."display_name",
               "profiles_profile"."birth_date", "profiles_profile"."show_age",
               "profiles_profile"."show_distance", "profiles_profile"."latitude",
               "profiles_profile"."longitude", "profiles_profile"."max_distance_km",
               "profiles_profile"."is_verified",
               ARRAY(
                   SELECT json_build_object(
                       'id', "profiles_photo"."id", 'status', "profiles_photo"."status",
                       'renditions', "profiles_photo"."renditions",
                       'blurhash', "profiles_photo"."blurhash",
                       'width', "profiles_photo"."width", 'height', "profiles_photo"."height"
                   )
                   FROM "profiles_photo"
                   WHERE "profiles_photo"."profile_id" = "profiles_profile"."user_id"
                     AND {photos}
                   ORDER BY "profiles_photo"."position"
               )
        FROM "profiles_profile"
        WHERE "profiles_profile"."user_id" = ANY(%s::uuid[]) AND {visible}
    """  # noqa: S608  (fixed SQL and the ORM's compiled rules; values are parameters)
    return sql, [*photo_params, ids, *visible_params]


def _cards(
    *, viewer: Profile, entries: Sequence[deck_store.DeckEntry], today: date
) -> list[DeckCard]:
    """Recheck the entries against every visibility filter and load their cards, with
    photos, in one query; entries that no longer qualify are dropped. Hand-written SQL on
    the viewer's cached visibility rules (discovery.visibility.visibility_sql): building
    the same queryset on every page cost several times the query."""
    if viewer.latitude is None or viewer.longitude is None:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            *_cards_sql(viewer=viewer, ids=[entry.user_id for entry in entries], today=today)
        )
        rows = {row[0]: row for row in cursor.fetchall()}
    origin = (viewer.latitude, viewer.longitude)
    cards = []
    for entry in entries:
        row = rows.get(entry.user_id)
        if row is None:
            continue
        (
            user_id,
            display_name,
            birth_date,
            show_age,
            show_distance,
            latitude,
            longitude,
            max_distance_km,
            is_verified,
            photos,
        ) = row
        if latitude is None or longitude is None:
            continue
        kilometres = geo.distance_km(*origin, latitude, longitude)
        # Moved out of range since the build (either person's maximum).
        if kilometres > min(viewer.max_distance_km, max_distance_km):
            continue
        distance = geo.distance_bucket(kilometres) if show_distance else None
        cards.append(
            DeckCard(
                user_id=user_id,
                display_name=display_name,
                age=age_on(birth_date, today) if show_age and birth_date else None,
                distance=distance,
                is_verified=is_verified,
                photos=[_photo_from(data) for data in photos],
                reasons=with_distance(entry.reasons, distance),
            )
        )
    return cards


_EXPOSURE_SHOWN_SQL = (
    "INSERT INTO discovery_exposure (user_id, shown_count, liked_count, created_at, updated_at) "
    "SELECT served.id, 1, 0, now(), now() FROM unnest(%s::uuid[]) AS served(id) "
    "ON CONFLICT (user_id) DO UPDATE SET "
    "shown_count = discovery_exposure.shown_count + 1, updated_at = now()"
)


def exposure_record_shown(*, user_ids: Sequence[UUID]) -> None:
    """shown_count + 1 for each profile, in one INSERT … ON CONFLICT DO UPDATE (ids sorted,
    so concurrent pages lock rows in the same order)."""
    if not user_ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            _EXPOSURE_SHOWN_SQL,
            [sorted(str(user_id) for user_id in set(user_ids))],
        )


def deck_page(*, user: User, limit: int) -> DeckPage:
    """The next `limit` profiles of the person's deck, never one already served.

    Queries: the viewer's profile, one recheck-and-load per popped batch, and the exposure
    upsert — the same for any `limit`. Schedules a rebuild (on commit) when the deck runs
    below KINDRED_DECK_LOW_WATERMARK or is empty. An empty result carries a `reason`.
    """
    # Loaded with the user by authentication (KINDRED_AUTH_SELECT_RELATED): no extra query.
    viewer = user.profile
    unavailable = _unavailable_reason(viewer)
    if unavailable is not None:
        return DeckPage(results=[], radius_km=None, reason=unavailable)
    served_ttl = settings.KINDRED_DECK_TTL_SECONDS
    page = deck_store.deck_pop(user_id=user.pk, count=limit, served_ttl_seconds=served_ttl)
    if page.meta is None:
        deck_build(user_id=user.pk)
        page = deck_store.deck_pop(user_id=user.pk, count=limit, served_ttl_seconds=served_ttl)
    if page.meta is None:  # expired or invalidated again in between: let the worker build it
        scheduled = _claim_and_schedule(user.pk)
        return DeckPage(
            results=[], radius_km=None, reason=REASON_BUILDING, rebuild_scheduled=scheduled
        )
    meta = page.meta
    today = timezone.localdate()
    cards = _cards(viewer=viewer, entries=page.entries, today=today) if page.entries else []
    rounds = 0
    while len(cards) < limit and page.remaining > 0 and page.entries and rounds < MAX_REFILL_ROUNDS:
        rounds += 1
        page = deck_store.deck_pop(
            user_id=user.pk, count=limit - len(cards), served_ttl_seconds=served_ttl
        )
        if page.entries:
            cards.extend(_cards(viewer=viewer, entries=page.entries, today=today))
    scheduled = False
    if page.remaining < settings.KINDRED_DECK_LOW_WATERMARK and meta.reason is None:
        scheduled = _claim_and_schedule(user.pk)
    exposure_record_shown(user_ids=[card.user_id for card in cards])
    reason = None
    if not cards:
        reason = meta.reason or REASON_BUILDING
    return DeckPage(
        results=cards,
        radius_km=meta.radius_km,
        reason=reason,
        remaining=page.remaining,
        rebuild_scheduled=scheduled,
    )


def _claim_and_schedule(user_id: UUID) -> bool:
    if deck_store.deck_claim_rebuild(user_id=user_id, seconds=REBUILD_CLAIM_SECONDS):
        _schedule_rebuild(user_id)
        return True
    return False
