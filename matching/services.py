"""Writes of matching: likes (quotas, abuse signals, mutual likes), passes and rewinds, and the
match lifecycle.

Locks and races (DESIGN.md §6), in the order every writer here takes them:
1. the liker's `LikeQuota` row (an upsert that counts the like): one person's likes queue
   here, so the daily limit and the first-likes-need-a-comment rule hold under concurrency;
2. an advisory transaction lock on the unordered pair (`_pair_lock_key`): a like, its
   mirror and a block of the same two people queue here, so two people liking each other
   at the same instant make exactly one match (the second one in sees the first like; the
   `matching_match_pair` constraint stays the last word);
3. the match row (`FOR NO KEY UPDATE`), then whatever chat locks in its receivers.
Everything a like needs to know about its target is read after (2), in the statement that
also inserts the like, so it is never older than the lock.

Match states and who moves them (`ALLOWED_TRANSITIONS`):
- active ↔ dating ↔ archived: either person (PATCH), any direction; the beat job archives
  active matches without activity for KINDRED_MATCH_ARCHIVE_AFTER_DAYS; a message
  (`match_record_activity`) moves an archived match back to active (dating stays dating).
- any open state → unmatched: either person (unmatch) or a block; final for the pair.
- any open state → deleted: an account deletion (`matches_end_for_deleted_user`).
- unmatched and deleted are final: nothing leaves them (409 `invalid_state_transition`).
"""

import functools
import hashlib
import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import User
from core.db import compact_sql
from core.exceptions import (
    ApplicationError,
    Conflict,
    NotFound,
    RateLimited,
    ValidationFailed,
)
from core.ratelimit import Rate
from discovery.exclusions import pass_cooldown_start
from discovery.exposure_services import exposure_record_liked_sql
from discovery.models import Pass
from discovery.pass_services import pass_create, pass_lift, pass_undo_last
from matching import events
from matching.models import (
    OPEN_MATCH_STATES,
    AbuseFlag,
    AbuseKind,
    Like,
    LikeQuota,
    Match,
    MatchState,
)
from matching.received_count import likes_received_changed_on_commit
from matching.signals import match_created, match_ended
from moderation.audit import audit_record
from moderation.models import AuditAction, Block
from profiles.models import ModerationState, Photo, PhotoStatus, Profile, PromptAnswer

logger = logging.getLogger(__name__)

# State → the states it may move to (module doc).
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    MatchState.ACTIVE: frozenset(
        {MatchState.DATING, MatchState.ARCHIVED, MatchState.UNMATCHED, MatchState.DELETED}
    ),
    MatchState.DATING: frozenset(
        {MatchState.ACTIVE, MatchState.ARCHIVED, MatchState.UNMATCHED, MatchState.DELETED}
    ),
    MatchState.ARCHIVED: frozenset(
        {MatchState.ACTIVE, MatchState.DATING, MatchState.UNMATCHED, MatchState.DELETED}
    ),
    MatchState.UNMATCHED: frozenset(),
    MatchState.DELETED: frozenset(),
}
# The states a participant may ask for with PATCH.
USER_SETTABLE_STATES = (MatchState.ACTIVE, MatchState.DATING, MatchState.ARCHIVED)

# How many like timestamps the quota row keeps for the burst signal: the burst size, within
# these bounds (a KINDRED_LIKE_BURST count above the maximum is read as the maximum).
_RECENT_KEPT_MINIMUM = 5
_RECENT_KEPT_MAXIMUM = 100


def _pair_lock_key(first_id: UUID, second_id: UUID) -> int:
    """A signed 64-bit advisory-lock key for the unordered pair (a collision only makes two
    unrelated pairs wait for each other)."""
    low, high = sorted((first_id, second_id))
    digest = hashlib.blake2b(f"matching.pair:{low}:{high}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _lock_pair(first_id: UUID, second_id: UUID) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_pair_lock_key(first_id, second_id)])


def _comment_key(comment: str) -> str:
    """What "the same comment" compares: case and surrounding spaces ignored (the SQL side
    is `lower(btrim(comment))`)."""
    return comment.strip().lower()


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _next_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)


# --- likes ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LikeResult:
    like: Like
    match: Match | None
    created: bool


class _Replay(Exception):
    """Raised inside the like's transaction to roll back the quota increment of a like that
    already exists; the caller answers with the existing like."""

    def __init__(self, like_id: UUID) -> None:
        super().__init__(str(like_id))
        self.like_id = like_id


@dataclass(frozen=True)
class _Quota:
    day_count: int
    total_count: int
    recent_at: list[datetime]
    slowed_until: datetime | None


@dataclass(frozen=True)
class _Facts:
    is_visible: bool
    is_blocked: bool
    my_like_id: UUID | None
    is_liked_back: bool
    match_id: UUID | None
    match_state: str | None
    is_passed_by_target: bool
    is_passed_by_me: bool
    is_photo_valid: bool
    is_prompt_valid: bool
    same_comment_count: int
    inserted_id: UUID | None
    inserted_at: datetime | None


@functools.cache
def _quota_sql() -> str:
    table = LikeQuota._meta.db_table
    return compact_sql(f"""
        INSERT INTO {table} AS quota
            (user_id, day, day_count, total_count, recent_at, slowed_until, created_at, updated_at)
        VALUES (%(actor)s, %(day)s, 1, 1, ARRAY[%(now)s::timestamptz], NULL, %(now)s, %(now)s)
        ON CONFLICT (user_id) DO UPDATE SET
            day_count = CASE WHEN quota.day = EXCLUDED.day THEN quota.day_count + 1 ELSE 1 END,
            day = EXCLUDED.day,
            total_count = quota.total_count + 1,
            recent_at = (quota.recent_at || %(now)s::timestamptz)[
                greatest(1, cardinality(quota.recent_at) + 2 - %(kept)s):],
            updated_at = %(now)s
        RETURNING day_count, total_count, recent_at, slowed_until,
            -- the pair lock, taken once this row is locked (lock order: module doc)
            pg_advisory_xact_lock(%(pair)s) IS NULL AS pair_locked,
            -- the read-and-insert that follows is planned once per connection (_facts_sql)
            set_config('plan_cache_mode', 'force_generic_plan', true) AS plan_mode
    """)  # noqa: S608  (table names from the models, values bound)


def _quota_take(*, actor_id: UUID, target_id: UUID, day: date, kept: int, now: datetime) -> _Quota:
    """Count one like on the actor's quota row (created at the first like), lock that row
    and then the pair until commit; returns the counts including this like."""
    with connection.cursor() as cursor:
        cursor.execute(
            _quota_sql(),
            {
                "actor": actor_id,
                "day": day,
                "kept": kept,
                "now": now,
                "pair": _pair_lock_key(actor_id, target_id),
            },
        )
        day_count, total_count, recent_at, slowed_until, _, _ = cursor.fetchone()
    return _Quota(
        day_count=day_count,
        total_count=total_count,
        recent_at=list(recent_at),
        slowed_until=slowed_until,
    )


@functools.cache
def _facts_sql() -> str:
    """The read-and-insert of a like. Prepared (psycopg's prepare threshold), it would still
    be planned anew on every like: PostgreSQL keeps a custom plan whenever the generic one
    is estimated dearer, and custom plans fold away the optional checks (photo, prompt,
    repeated comment) and a refused insert, so it always was; planning was a third of a
    like's PostgreSQL CPU. The quota statement before it sets `plan_cache_mode` to
    `force_generic_plan` for the rest of the transaction: planned once per connection, with
    every lookup on its index (matching/tests/test_queries.py)."""
    like = Like._meta.db_table
    match = Match._meta.db_table
    block = Block._meta.db_table
    pass_table = Pass._meta.db_table
    profile = Profile._meta.db_table
    account = User._meta.db_table
    photo = Photo._meta.db_table
    prompt = PromptAnswer._meta.db_table
    return compact_sql(f"""
        WITH facts AS (
            SELECT
                COALESCE(
                    target_profile.is_discoverable AND target_account.is_active
                    AND target_account.banned_at IS NULL
                    AND (target_account.suspended_until IS NULL
                         OR target_account.suspended_until <= now()),
                    false
                ) AS is_discoverable,
                COALESCE(target_profile.is_incognito, false) AS is_incognito,
                EXISTS (
                    SELECT 1 FROM {block} b
                    WHERE (b.blocker_id = %(actor)s AND b.blocked_id = %(target)s)
                       OR (b.blocker_id = %(target)s AND b.blocked_id = %(actor)s)
                ) AS is_blocked,
                (SELECT l.id FROM {like} l
                 WHERE l.actor_id = %(actor)s AND l.target_id = %(target)s) AS my_like_id,
                EXISTS (
                    SELECT 1 FROM {like} l WHERE l.actor_id = %(target)s AND l.target_id = %(actor)s
                ) AS is_liked_back,
                pair.id AS match_id,
                pair.state AS match_state,
                EXISTS (
                    SELECT 1 FROM {pass_table} p
                    WHERE p.actor_id = %(target)s AND p.target_id = %(actor)s
                      AND p.created_at > %(cooldown_start)s
                ) AS is_passed_by_target,
                EXISTS (
                    SELECT 1 FROM {pass_table} p
                    WHERE p.actor_id = %(actor)s AND p.target_id = %(target)s
                      AND p.created_at > %(cooldown_start)s
                ) AS is_passed_by_me,
                (%(photo)s::uuid IS NULL OR EXISTS (
                    SELECT 1 FROM {photo} ph
                    WHERE ph.id = %(photo)s AND ph.profile_id = %(target)s
                      AND ph.status = %(photo_ready)s AND ph.moderation_state = %(photo_approved)s
                )) AS is_photo_valid,
                (%(prompt)s::uuid IS NULL OR EXISTS (
                    SELECT 1 FROM {prompt} pa
                    WHERE pa.id = %(prompt)s AND pa.profile_id = %(target)s
                )) AS is_prompt_valid,
                CASE WHEN %(comment_key)s = '' THEN 0 ELSE (
                    SELECT count(*) FROM {like} l
                    WHERE l.actor_id = %(actor)s AND lower(btrim(l.comment)) = %(comment_key)s
                ) END AS same_comment_count
            FROM (SELECT 1) AS anchor
            LEFT JOIN {profile} target_profile ON target_profile.user_id = %(target)s
            LEFT JOIN {account} target_account ON target_account.id = %(target)s
            LEFT JOIN {match} pair
                ON pair.user_low_id = %(low)s AND pair.user_high_id = %(high)s
        ),
        inserted AS (
            INSERT INTO {like}
                (id, created_at, updated_at, actor_id, target_id, comment, photo_id, prompt_id)
            SELECT %(like_id)s, %(now)s, %(now)s, %(actor)s, %(target)s, %(comment)s, %(photo)s,
                %(prompt)s
            FROM facts
            WHERE %(may_insert)s AND facts.is_discoverable
              AND (NOT facts.is_incognito OR facts.is_liked_back)
              AND NOT facts.is_blocked AND facts.match_id IS NULL AND facts.my_like_id IS NULL
              AND facts.is_photo_valid AND facts.is_prompt_valid
            ON CONFLICT (actor_id, target_id) DO NOTHING
            RETURNING id, created_at
        ),
        exposed AS ({exposure_record_liked_sql("SELECT %(target)s::uuid FROM inserted")})
        SELECT
            facts.is_discoverable AND (NOT facts.is_incognito OR facts.is_liked_back),
            facts.is_blocked, facts.my_like_id, facts.is_liked_back, facts.match_id,
            facts.match_state, facts.is_passed_by_target, facts.is_passed_by_me,
            facts.is_photo_valid, facts.is_prompt_valid, facts.same_comment_count,
            inserted.id, inserted.created_at
        FROM facts LEFT JOIN inserted ON true
    """)  # noqa: S608  (table names from the models, values bound)


def _facts_and_insert(
    *,
    actor_id: UUID,
    target_id: UUID,
    comment: str,
    photo_id: UUID | None,
    prompt_id: UUID | None,
    may_insert: bool,
    now: datetime,
) -> _Facts:
    """Everything the like depends on, read in one statement (after the pair lock) that also
    inserts the like when every rule allows it and `may_insert` (the quota) does too."""
    low, high = sorted((actor_id, target_id))
    with connection.cursor() as cursor:
        cursor.execute(
            _facts_sql(),
            {
                "actor": actor_id,
                "target": target_id,
                "low": low,
                "high": high,
                "cooldown_start": pass_cooldown_start(),
                "photo": photo_id,
                "prompt": prompt_id,
                "photo_ready": PhotoStatus.READY.value,
                "photo_approved": ModerationState.APPROVED.value,
                "comment": comment,
                "comment_key": _comment_key(comment),
                "like_id": uuid4(),
                "may_insert": may_insert,
                "now": now,
            },
        )
        row = cursor.fetchone()
    return _Facts(*row)


def _quota_refusal(
    *, actor: User, quota: _Quota, comment: str, day: date, now: datetime
) -> ApplicationError | None:
    """Why the quota refuses this like (counts include it), or None."""
    if quota.slowed_until is not None and quota.slowed_until > now:
        return RateLimited(
            "You are sending likes too fast. Take a break and try again later.",
            code="like_rate_limited",
            retry_after=int((quota.slowed_until - now).total_seconds()) + 1,
            extra={"until": quota.slowed_until.isoformat()},
        )
    if quota.day_count > settings.KINDRED_LIKES_PER_DAY:
        reset_at = _next_midnight(day, _zone(actor.time_zone))
        return RateLimited(
            f"You have used your {settings.KINDRED_LIKES_PER_DAY} likes for today.",
            code="daily_like_limit",
            retry_after=int((reset_at - now).total_seconds()) + 1,
            extra={"limit": settings.KINDRED_LIKES_PER_DAY, "resets_at": reset_at.isoformat()},
        )
    needing_comment = settings.KINDRED_LIKES_NEEDING_COMMENT
    if not comment and quota.total_count <= needing_comment:
        return ValidationFailed(
            f"Your first {needing_comment} likes need a comment: say why you like them.",
            code="comment_required",
            extra={"fields": {"comment": ["Required for your first likes."]}},
        )
    return None


def _ensure_actor_may_like(actor: User) -> None:
    profile = actor.profile
    if profile.is_discoverable:
        return
    if profile.is_paused:
        reason = "paused"
    elif not profile.is_complete:
        reason = "incomplete"
    else:
        reason = "restricted"
    raise Conflict(
        "Your profile must be complete and visible to like someone.",
        code="profile_not_discoverable",
        extra={"reason": reason},
    )


def like_create(
    *,
    actor: User,
    target_id: UUID,
    comment: str = "",
    photo_id: UUID | None = None,
    prompt_id: UUID | None = None,
) -> LikeResult:
    """Like a profile, optionally on one of its photos or prompt answers, with a comment.

    Idempotent per (actor, target): liking again returns the existing like with
    `created=False` and counts nothing. On a mutual like, creates the match once (whoever
    liked second, also when both like at the same instant), sends `match_created` inside the
    transaction (chat opens the conversation) and `matching.match_created` after commit;
    otherwise sends `matching.like_received` after commit, unless the target's pass on the
    actor is active: then the like stays pending and hidden until that pass ends (and a
    like from the target lifts it). Liking someone I passed lifts my pass.

    Refusals change nothing: 400 `cannot_like_self`; 409 `profile_not_discoverable` (my
    own profile); 404 for a profile that is unknown, not discoverable, incognito (unless
    they liked me), blocked either way, or whose match with me has ended; 409
    `already_matched`; 400 `invalid_photo` / `invalid_prompt` (not theirs, or not public);
    429 `like_rate_limited` (slowed down after an abuse signal), 429 `daily_like_limit`,
    400 `comment_required`.

    Abuse signals (the like itself is kept): KINDRED_LIKE_BURST likes in its window, or the
    same comment KINDRED_LIKE_REPEATED_COMMENT_COUNT times, raise an `AbuseFlag` and slow
    the actor down for KINDRED_LIKE_ABUSE_COOLDOWN_SECONDS.

    Queries on the common path: the quota upsert, the read-and-insert (which also moves the
    liked person's fairness counter).
    """
    if target_id == actor.pk:
        raise ValidationFailed("You cannot like yourself.", code="cannot_like_self")
    _ensure_actor_may_like(actor)
    comment = comment.strip()
    try:
        with transaction.atomic():
            return _like_in_transaction(
                actor=actor,
                target_id=target_id,
                comment=comment,
                photo_id=photo_id,
                prompt_id=prompt_id,
            )
    except _Replay as replay:
        like = Like.objects.filter(pk=replay.like_id).first()
        if like is None:  # deleted in between (the liker's account erased)
            raise NotFound("No such profile.") from None
        return LikeResult(like=like, match=None, created=False)


def _like_in_transaction(
    *,
    actor: User,
    target_id: UUID,
    comment: str,
    photo_id: UUID | None,
    prompt_id: UUID | None,
) -> LikeResult:
    now = timezone.now()
    day = now.astimezone(_zone(actor.time_zone)).date()
    burst = Rate.parse(settings.KINDRED_LIKE_BURST)
    quota = _quota_take(
        actor_id=actor.pk,
        target_id=target_id,
        day=day,
        kept=min(max(burst.count, _RECENT_KEPT_MINIMUM), _RECENT_KEPT_MAXIMUM),
        now=now,
    )
    refusal = _quota_refusal(actor=actor, quota=quota, comment=comment, day=day, now=now)
    facts = _facts_and_insert(
        actor_id=actor.pk,
        target_id=target_id,
        comment=comment,
        photo_id=photo_id,
        prompt_id=prompt_id,
        may_insert=refusal is None,
        now=now,
    )
    if not facts.is_visible or facts.is_blocked:
        raise NotFound("No such profile.")
    if facts.match_state is not None:
        if facts.match_state in OPEN_MATCH_STATES:
            raise Conflict(
                "You are already matched with this person.",
                code="already_matched",
                extra={"match_id": str(facts.match_id)},
            )
        raise NotFound("No such profile.")
    if facts.my_like_id is not None:
        raise _Replay(facts.my_like_id)
    if not facts.is_photo_valid:
        raise ValidationFailed(
            "That photo is not one of this profile's photos.",
            code="invalid_photo",
            extra={"fields": {"photo_id": ["Not a visible photo of this profile."]}},
        )
    if not facts.is_prompt_valid:
        raise ValidationFailed(
            "That prompt answer is not one of this profile's.",
            code="invalid_prompt",
            extra={"fields": {"prompt_id": ["Not a prompt answer of this profile."]}},
        )
    if refusal is not None:
        raise refusal
    if facts.inserted_id is None:  # unreachable while the quota row serialises the actor
        raise Conflict("This like is being recorded already.", code="like_in_progress")
    assert facts.inserted_at is not None
    like = Like(
        id=facts.inserted_id,
        actor_id=actor.pk,
        target_id=target_id,
        comment=comment,
        photo_id=photo_id,
        prompt_id=prompt_id,
        created_at=facts.inserted_at,
        updated_at=facts.inserted_at,
    )
    like._state.adding = False
    like._state.db = connection.alias
    if facts.is_passed_by_me:
        pass_lift(actor_id=actor.pk, target_id=target_id)
    match = None
    if facts.is_liked_back and not facts.is_passed_by_target:
        match = _match_create(first_id=actor.pk, second_id=target_id)
    _detect_abuse(
        actor_id=actor.pk, quota=quota, burst=burst, comment=comment, facts=facts, now=now
    )
    events.like_recorded_on_commit(
        like,
        # a like that makes a match is announced as the match; one hidden by their pass not
        announce=not facts.is_liked_back and not facts.is_passed_by_target,
        counts_changed=[target_id] if match is None else [target_id, actor.pk],
    )
    return LikeResult(like=like, match=match, created=True)


def _match_create(*, first_id: UUID, second_id: UUID) -> Match | None:
    """Create the pair's match (the caller holds the pair lock and saw both likes): one
    INSERT, the `matching_match_pair` constraint having the last word. Sends `match_created`
    inside the transaction and the events after commit. None if a match already existed."""
    low, high = sorted((first_id, second_id))
    match = Match(
        user_low_id=low,
        user_high_id=high,
        state=MatchState.ACTIVE,
        state_changed_at=timezone.now(),
    )
    match.created_at = match.updated_at = match.last_activity_at = match.state_changed_at
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Match._meta.db_table} (id, created_at, updated_at, user_low_id, "  # noqa: S608  (table name from the model)
            "user_high_id, state, state_changed_at, last_activity_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (user_low_id, user_high_id) DO NOTHING RETURNING id",
            [
                match.pk,
                match.created_at,
                match.updated_at,
                low,
                high,
                match.state,
                match.state_changed_at,
                match.last_activity_at,
            ],
        )
        if cursor.fetchone() is None:
            return None
    match._state.adding = False
    match._state.db = connection.alias
    match_created.send(sender=None, match=match)
    events.match_created_on_commit(match)
    return match


def _detect_abuse(
    *,
    actor_id: UUID,
    quota: _Quota,
    burst: Rate,
    comment: str,
    facts: _Facts,
    now: datetime,
) -> None:
    signals: list[tuple[str, dict[str, Any]]] = []
    window_start = now - timedelta(seconds=burst.seconds)
    recent = [at for at in quota.recent_at if at > window_start]
    if len(recent) >= min(burst.count, _RECENT_KEPT_MAXIMUM):
        signals.append(
            (AbuseKind.RAPID_LIKES, {"likes": len(recent), "within_seconds": burst.seconds})
        )
    sent = facts.same_comment_count + 1  # this like included
    if comment and sent >= settings.KINDRED_LIKE_REPEATED_COMMENT_COUNT:
        signals.append((AbuseKind.REPEATED_COMMENT, {"comment": comment[:300], "times": sent}))
    if not signals:
        return
    until = now + timedelta(seconds=settings.KINDRED_LIKE_ABUSE_COOLDOWN_SECONDS)
    LikeQuota.objects.filter(pk=actor_id).update(slowed_until=until, updated_at=now)
    for kind, details in signals:
        _flag_raise(user_id=actor_id, kind=kind, details=details, at=now)
    logger.info("likes of %s slowed down until %s: %s", actor_id, until, [s[0] for s in signals])


def _flag_raise(*, user_id: UUID, kind: str, details: dict[str, Any], at: datetime) -> None:
    """Open a flag, or count a repeat on the open one (the caller holds the person's quota
    row, so two of their likes never race here)."""
    updated = AbuseFlag.objects.filter(user_id=user_id, kind=kind, resolved_at__isnull=True).update(
        occurrences=F("occurrences") + 1, last_seen_at=at, details=details, updated_at=at
    )
    if not updated:
        AbuseFlag.objects.create(user_id=user_id, kind=kind, details=details, last_seen_at=at)


def abuse_flags_resolve(*, flag_ids: list[UUID], moderator: User) -> int:
    """Resolve open flags (admin action) and lift the slow-down of their people. Returns how
    many flags were resolved; resolved ones are left as they are."""
    now = timezone.now()
    with transaction.atomic():
        flags = AbuseFlag.objects.select_for_update().filter(
            pk__in=flag_ids, resolved_at__isnull=True
        )
        pairs = list(flags.values_list("pk", "user_id"))
        user_ids = [user_id for _, user_id in pairs]
        resolved = flags.update(resolved_at=now, resolved_by=moderator, updated_at=now)
        LikeQuota.objects.filter(pk__in=user_ids, slowed_until__gt=now).update(
            slowed_until=None, updated_at=now
        )
        for flag_id, user_id in pairs:
            audit_record(
                actor=moderator,
                action=AuditAction.FLAG_REVIEWED,
                target_type="matching.abuseflag",
                target_id=flag_id,
                subject_user_id=user_id,
                reason="Resolved in the moderation console; slow-down lifted",
            )
    return resolved


# --- passes ---------------------------------------------------------------------------------


def pass_record(*, actor: User, target_id: UUID) -> Pass:
    """Pass on a profile (discovery's `pass_create`: 30-day cooldown, 404 for profiles I may
    not see, 400 `cannot_pass_self`). A pending like from them is hidden from me while the
    pass is active; my deck drops them at its next page (discovery rechecks every entry)."""
    with transaction.atomic():
        row = pass_create(actor=actor, target_id=target_id)
        likes_received_changed_on_commit([actor.pk])
    return row


def pass_rewind(*, actor: User) -> Pass:
    """Undo my most recent pass still in its cooldown (each pass once). 409
    `nothing_to_rewind` when there is none."""
    with transaction.atomic():
        undone = pass_undo_last(actor=actor)
        if undone is None:
            raise Conflict("There is no pass to undo.", code="nothing_to_rewind")
        likes_received_changed_on_commit([actor.pk])
    return undone


# --- match lifecycle --------------------------------------------------------------------------


def _invalid_transition(match: Match, state: str) -> Conflict:
    return Conflict(
        f"A match cannot go from {match.state} to {state}.",
        code="invalid_state_transition",
        extra={
            "from": match.state,
            "to": state,
            "allowed": sorted(set(ALLOWED_TRANSITIONS[match.state]) & set(USER_SETTABLE_STATES)),
        },
    )


def _locked_for_participant(*, user_id: UUID, match_id: UUID) -> Match:
    match = (
        Match.objects.select_for_update(no_key=True)
        .filter(Q(user_low_id=user_id) | Q(user_high_id=user_id), pk=match_id)
        .first()
    )
    if match is None:
        raise NotFound("No such match.")
    return match


def _move(match: Match, state: str, *, at: datetime, ended_by_id: UUID | None = None) -> None:
    match.state = state
    match.state_changed_at = at
    fields = ["state", "state_changed_at", "updated_at"]
    if ended_by_id is not None:
        match.ended_by_id = ended_by_id
        fields.append("ended_by")
    match.save(update_fields=fields)


def match_set_state(*, user: User, match_id: UUID, state: str) -> Match:
    """Move one of my matches to `state` (active, dating or archived). Setting the current
    state again changes nothing. 404 when the match is not mine; 409
    `invalid_state_transition` from an ended match (unmatched, deleted) or to a state a
    participant may not set. Both people get `matching.match_updated` after commit."""
    with transaction.atomic():
        match = _locked_for_participant(user_id=user.pk, match_id=match_id)
        if state == match.state and match.is_open:
            return match
        if state not in USER_SETTABLE_STATES or state not in ALLOWED_TRANSITIONS[match.state]:
            raise _invalid_transition(match, state)
        _move(match, state, at=timezone.now())
        events.match_updated_on_commit(match)
    return match


def _end(match: Match, state: str, *, ended_by_id: UUID | None, at: datetime) -> None:
    """Move an open, locked match to an ended state: `match_ended` inside the transaction
    (chat closes the conversation), `matching.match_ended` to both after commit."""
    _move(match, state, at=at, ended_by_id=ended_by_id)
    match_ended.send(sender=None, match=match)
    events.match_ended_on_commit(match)


def match_unmatch(*, user: User, match_id: UUID) -> Match:
    """Unmatch: final for the pair (they never see each other again: discovery excludes any
    match, the likes lists exclude the pair, chat closes the conversation). 404 when the
    match is not mine or already ended (a repeated unmatch answers 404)."""
    with transaction.atomic():
        match = _locked_for_participant(user_id=user.pk, match_id=match_id)
        if not match.is_open:
            raise NotFound("No such match.")
        _end(match, MatchState.UNMATCHED, ended_by_id=user.pk, at=timezone.now())
    return match


def match_end_for_block(*, blocker_id: UUID, blocked_id: UUID) -> Match | None:
    """A block ends the pair's open match (unmatched, ended by the blocker). Called by the
    `block_created` receiver inside moderation's transaction; takes the pair lock first, so
    a mutual like racing the block either made its match before (ended here) or sees the
    block. Always drops both people's cached likes-received counts. Idempotent."""
    with transaction.atomic():
        _lock_pair(blocker_id, blocked_id)
        low, high = sorted((blocker_id, blocked_id))
        match = (
            Match.objects.select_for_update(no_key=True)
            .filter(user_low_id=low, user_high_id=high, state__in=OPEN_MATCH_STATES)
            .first()
        )
        if match is not None:
            _end(match, MatchState.UNMATCHED, ended_by_id=blocker_id, at=timezone.now())
        likes_received_changed_on_commit([blocker_id, blocked_id])
    return match


def matches_end_for_deleted_user(*, user_id: UUID) -> int:
    """Account deletion: every open match of the person moves to `deleted` (ended by them),
    each with `match_ended` and `matching.match_ended`. Ended matches stay as they are.
    Idempotent; returns how many matches were ended."""
    now = timezone.now()
    with transaction.atomic():
        matches = list(
            Match.objects.select_for_update(no_key=True)
            .filter(Q(user_low_id=user_id) | Q(user_high_id=user_id), state__in=OPEN_MATCH_STATES)
            .order_by("pk")
        )
        for match in matches:
            _end(match, MatchState.DELETED, ended_by_id=user_id, at=now)
        others = [match.other_user_id(user_id) for match in matches]
        likes_received_changed_on_commit([user_id, *others])
    return len(matches)


def match_record_activity(*, match_id: UUID, at: datetime) -> bool:
    """Chat calls this for every message (inside its transaction, after locking the match
    row): `last_activity_at` moves forward to `at` (never back), and an archived match
    becomes active again, since a new message revives the conversation. Dating stays dating;
    ended matches are left alone. One UPDATE (fixed SQL: it is on every message's path, and
    building it with the ORM cost more than running it); returns whether the match was open."""
    with connection.cursor() as cursor:
        cursor.execute(
            match_record_activity_sql("%(activity_match)s"),
            {**match_record_activity_parameters(at=at), "activity_match": match_id},
        )
        return cursor.rowcount > 0


@functools.cache
def match_record_activity_sql(match_sql: str) -> str:
    """match_record_activity's UPDATE for the match whose id the SQL expression `match_sql`
    gives, for a caller that runs it inside a statement of its own (chat's send folds it into
    the one statement that numbers and stores a message), with the named parameters of
    match_record_activity_parameters. Name only a match row the statement has locked."""
    return (
        f"UPDATE {Match._meta.db_table} SET"  # noqa: S608 (the model's table; caller's SQL)
        " last_activity_at = GREATEST(last_activity_at, %(activity_at)s),"
        " state = CASE WHEN state = %(activity_archived)s THEN %(activity_active)s"
        " ELSE state END,"
        " state_changed_at = CASE WHEN state = %(activity_archived)s THEN %(activity_at)s"
        " ELSE state_changed_at END,"
        " updated_at = %(activity_now)s"
        f" WHERE id = {match_sql} AND state = ANY(%(activity_open)s)"
    )


def match_record_activity_parameters(*, at: datetime) -> dict[str, Any]:
    """The parameters of match_record_activity_sql (each named `activity_…`)."""
    return {
        "activity_at": at,
        "activity_now": timezone.now(),
        "activity_archived": MatchState.ARCHIVED.value,
        "activity_active": MatchState.ACTIVE.value,
        "activity_open": [state.value for state in OPEN_MATCH_STATES],
    }


def matches_archive_inactive(*, batch_size: int) -> int:
    """Archive active matches without activity for KINDRED_MATCH_ARCHIVE_AFTER_DAYS,
    `batch_size` per statement (each its own short transaction). The cut-off is fixed at the
    start so the loop ends; the state is rechecked in each UPDATE, so a message arriving
    meanwhile keeps its match active. Idempotent; returns how many were archived."""
    now = timezone.now()
    cutoff = now - timedelta(days=settings.KINDRED_MATCH_ARCHIVE_AFTER_DAYS)
    stale = Match.objects.filter(state=MatchState.ACTIVE, last_activity_at__lt=cutoff)
    total = 0
    while True:
        batch = stale.order_by().values("pk")[:batch_size]
        archived = stale.filter(pk__in=batch).update(
            state=MatchState.ARCHIVED, state_changed_at=now, updated_at=now
        )
        total += archived
        if archived < batch_size:
            return total
