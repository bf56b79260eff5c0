"""Moderators' decisions: resolving reports, sanctions and their effects, appeals, and the
end of sanctions (a suspension running out, a required verification done).

Every decision writes an audit entry in its own transaction, and the person hears of it
through a `moderation_notice` notification with the policy reason in plain words.

Effects of suspensions and bans are immediate: accounts' `user_restrict` revokes every
session (tokens are refused on the next call), their open sockets are closed after commit
(`core.realtime`), `user_restricted` is sent for the apps built on moderation, and the
profile leaves discovery (`profile_refresh_completion`).
"""

from datetime import datetime, timedelta
from functools import partial
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from accounts.services import user_restrict, user_restriction_lift
from core.exceptions import (
    ApplicationError,
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from core.realtime import close_user_sockets_on_commit
from moderation.audit import audit_record
from moderation.models import (
    Appeal,
    AppealStatus,
    AuditAction,
    Report,
    ReportStatus,
    Sanction,
    SanctionKind,
    SanctionStatus,
)
from moderation.signals import user_restricted
from moderation.staff import ensure_moderator
from notifications.models import NotificationKind
from notifications.services import notify
from profiles.models import ModerationState, Photo, Profile, PromptAnswer
from profiles.photo_services import photo_set_moderation_state
from profiles.prompt_services import prompt_answer_create, prompt_answer_delete
from profiles.services import (
    profile_primary_photo_changed,
    profile_refresh_completion,
    profile_update,
)

DISMISS = "dismiss"
# Text a moderator may remove from a profile (besides prompt answers).
REMOVABLE_PROFILE_FIELDS = ("bio", "occupation", "family_details")
PROMPT_ANSWER_FIELD = "prompt_answer"

_NOTICE_TITLES = {
    SanctionKind.WARNING: "A warning about your account",
    SanctionKind.VERIFICATION_REQUIRED: "Please verify your profile",
    SanctionKind.SUSPENSION: "Your account is suspended",
    SanctionKind.BAN: "Your account has been banned",
    SanctionKind.PHOTO_REMOVED: "A photo was removed from your profile",
    SanctionKind.TEXT_REMOVED: "Text was removed from your profile",
}
_NOTICE_ENDINGS = {
    SanctionKind.VERIFICATION_REQUIRED: (
        "Your profile is hidden from others until you verify it with a selfie."
    ),
    SanctionKind.BAN: "You may appeal this decision once.",
}


def _notify_sanction(sanction: Sanction) -> None:
    body = sanction.policy_reason
    if sanction.kind == SanctionKind.SUSPENSION and sanction.ends_at is not None:
        body = f"{body}\nThe suspension ends on {sanction.ends_at:%Y-%m-%d %H:%M} UTC."
    ending = _NOTICE_ENDINGS.get(SanctionKind(sanction.kind))
    if ending:
        body = f"{body}\n{ending}"
    notify(
        user_id=sanction.user_id,
        kind=NotificationKind.MODERATION_NOTICE,
        title=_NOTICE_TITLES[SanctionKind(sanction.kind)],
        body=body[:500],
        data={"sanction_id": str(sanction.pk), "sanction_kind": sanction.kind},
    )


# --- applying sanctions ---------------------------------------------------------------------


def sanction_apply(
    *,
    moderator: User,
    user_id: UUID,
    kind: str,
    policy_reason: str,
    note: str = "",
    days: int | None = None,
    photo_id: UUID | None = None,
    field: str | None = None,
    prompt_answer_id: UUID | None = None,
    report: Report | None = None,
) -> Sanction:
    """Impose a sanction on a person and carry out its effect at once:

    - warning: the notice only;
    - verification_required: the profile leaves discovery (and loses a verified mark)
      until a verification selfie is approved;
    - suspension for `days` (1..KINDRED_MAX_SUSPENSION_DAYS) and ban: sign-in refused,
      every token and socket dead, out of discovery;
    - photo_removed (`photo_id`): the photo is rejected, hidden from everyone but them;
    - text_removed (`field` in REMOVABLE_PROFILE_FIELDS, or "prompt_answer" with
      `prompt_answer_id`): the text is cleared; what was removed is kept on the sanction.

    `policy_reason` is shown to the person; `note` stays internal. Refusals write nothing:
    403 `not_a_moderator`; 400 `policy_reason_required`, `invalid_sanction`,
    `cannot_sanction_self`; 404 unknown person, photo or answer.
    """
    ensure_moderator(moderator, "moderation.change_report")
    policy_reason = policy_reason.strip()
    if not policy_reason:
        raise ValidationFailed(
            "Say which rule was broken, in words the person will understand.",
            code="policy_reason_required",
            extra={"fields": {"policy_reason": ["This field is required."]}},
        )
    if kind not in SanctionKind.values:
        raise _invalid(f"Unknown sanction {kind!r}.", "kind")
    if user_id == moderator.pk:
        raise ValidationFailed("You cannot sanction yourself.", code="cannot_sanction_self")
    with transaction.atomic():
        user = User.objects.filter(pk=user_id).first()
        if user is None:
            raise NotFound("No such person.")
        sanction = Sanction(
            user=user,
            kind=kind,
            policy_reason=policy_reason,
            note=note,
            moderator=moderator,
        )
        _carry_out(sanction, days=days, photo_id=photo_id, field=field, answer_id=prompt_answer_id)
        sanction.save()
        audit_record(
            actor=moderator,
            action=AuditAction.SANCTION_APPLIED,
            target_type="sanction",
            target_id=sanction.pk,
            subject_user_id=user.pk,
            reason=note or policy_reason,
            data={
                "kind": kind,
                "policy_reason": policy_reason,
                "ends_at": sanction.ends_at.isoformat() if sanction.ends_at else None,
                "report_id": str(report.pk) if report is not None else None,
                "removed": sanction.removed_content,
            },
        )
        _notify_sanction(sanction)
    return sanction


def _invalid(message: str, field: str) -> ValidationFailed:
    return ValidationFailed(message, code="invalid_sanction", extra={"fields": {field: [message]}})


def _carry_out(
    sanction: Sanction,
    *,
    days: int | None,
    photo_id: UUID | None,
    field: str | None,
    answer_id: UUID | None,
) -> None:
    user_id = sanction.user_id
    kind = sanction.kind
    if kind == SanctionKind.SUSPENSION:
        if days is None or not 1 <= days <= settings.KINDRED_MAX_SUSPENSION_DAYS:
            raise _invalid(
                f"Give the number of days, 1 to {settings.KINDRED_MAX_SUSPENSION_DAYS}.", "days"
            )
        sanction.ends_at = timezone.now() + timedelta(days=days)
        _restrict(user_id=user_id, until=sanction.ends_at)
    elif kind == SanctionKind.BAN:
        _restrict(user_id=user_id, until=None)
    elif kind == SanctionKind.VERIFICATION_REQUIRED:
        # The verified mark goes (this service drops it), so that a new selfie is asked for.
        profile_primary_photo_changed(profile_id=user_id)
        transaction.on_commit(partial(profile_refresh_completion, profile_id=user_id))
    elif kind == SanctionKind.PHOTO_REMOVED:
        if photo_id is None or not Photo.objects.filter(pk=photo_id, profile_id=user_id).exists():
            raise NotFound("No such photo on this profile.")
        photo_set_moderation_state(photo_id=photo_id, state=ModerationState.REJECTED)
        sanction.removed_content = {"photo_id": str(photo_id)}
    elif kind == SanctionKind.TEXT_REMOVED:
        sanction.removed_content = _remove_text(user_id=user_id, field=field, answer_id=answer_id)


def _restrict(*, user_id: UUID, until: datetime | None) -> None:
    user_restrict(user_id=user_id, until=until)
    profile_refresh_completion(profile_id=user_id)
    close_user_sockets_on_commit(user_id)
    user_restricted.send(sender=None, user_id=user_id, until=until)


def _remove_text(*, user_id: UUID, field: str | None, answer_id: UUID | None) -> dict[str, Any]:
    owner = User.objects.get(pk=user_id)
    if field in REMOVABLE_PROFILE_FIELDS:
        text = Profile.objects.values_list(field, flat=True).get(pk=user_id)
        if not text:
            raise Conflict("That field is already empty.", code="nothing_to_remove")
        profile_update(user=owner, data={field: ""})
        return {"field": field, "text": text}
    if field == PROMPT_ANSWER_FIELD:
        answer = (
            PromptAnswer.objects.filter(pk=answer_id, profile_id=user_id).first()
            if answer_id is not None
            else None
        )
        if answer is None:
            raise NotFound("No such prompt answer on this profile.")
        prompt_answer_delete(user=owner, answer_id=answer.pk)
        return {"field": field, "prompt_id": str(answer.prompt_id), "text": answer.answer}
    choices = ", ".join([*REMOVABLE_PROFILE_FIELDS, PROMPT_ANSWER_FIELD])
    raise _invalid(f"Choose the text to remove: {choices}.", "field")


# --- resolving reports ----------------------------------------------------------------------


def report_resolve(
    *,
    report_id: UUID,
    moderator: User,
    action: str,
    policy_reason: str = "",
    note: str = "",
    days: int | None = None,
    photo_id: UUID | None = None,
    field: str | None = None,
    prompt_answer_id: UUID | None = None,
) -> Report:
    """Close an open report: `dismiss` it, or act (any SanctionKind, see `sanction_apply`).

    A dismissal needs a `note` (the audit's "why"). A ban also closes every other open
    report about the person. The reporter hears that the report was reviewed (not the
    outcome). Refusals change nothing: 409 `report_closed`; 403 `own_report` for a
    moderator who filed or is named in it; 400 `note_required`.
    """
    ensure_moderator(moderator, "moderation.change_report")
    with transaction.atomic():
        report = Report.objects.select_for_update().filter(pk=report_id).first()
        if report is None:
            raise NotFound("No such report.")
        if report.status != ReportStatus.OPEN:
            raise Conflict("This report is already closed.", code="report_closed")
        if moderator.pk in (report.reporter_id, report.reported_id):
            raise PermissionDenied(
                "Another moderator must decide a report you are part of.", code="own_report"
            )
        now = timezone.now()
        report.resolved_by = moderator
        report.resolved_at = now
        report.resolution_note = note
        if action == DISMISS:
            if not note.strip():
                raise ValidationFailed(
                    "Say why the report is dismissed.",
                    code="note_required",
                    extra={"fields": {"note": ["This field is required."]}},
                )
            report.status = ReportStatus.DISMISSED
            audit_record(
                actor=moderator,
                action=AuditAction.REPORT_DISMISSED,
                target_type="report",
                target_id=report.pk,
                subject_user_id=report.reported_id,
                reason=note,
            )
        else:
            if report.reported_id is None:
                raise Conflict("The reported account no longer exists.", code="person_gone")
            sanction = sanction_apply(
                moderator=moderator,
                user_id=report.reported_id,
                kind=action,
                policy_reason=policy_reason,
                note=note,
                days=days,
                photo_id=photo_id,
                field=field,
                prompt_answer_id=prompt_answer_id,
                report=report,
            )
            report.status = ReportStatus.ACTIONED
            report.sanction = sanction
            if action == SanctionKind.BAN:
                Report.objects.filter(
                    reported_id=report.reported_id, status=ReportStatus.OPEN
                ).exclude(pk=report.pk).update(
                    status=ReportStatus.ACTIONED,
                    sanction=sanction,
                    resolved_by=moderator,
                    resolved_at=now,
                    resolution_note=f"Closed with the ban decided on report {report.pk}.",
                    updated_at=now,
                )
        report.save()
        if report.reporter_id is not None:
            notify(
                user_id=report.reporter_id,
                kind=NotificationKind.MODERATION_NOTICE,
                title="We reviewed your report",
                body="Thank you for helping keep Kindred safe.",
                data={"report_id": str(report.pk)},
            )
    return report


# --- ends and reversals ---------------------------------------------------------------------


def _reconcile_restrictions(*, user_id: UUID) -> None:
    """Make the account's ban and suspension match its sanctions still in force (after one
    ended or was overturned; another ban or suspension may still hold)."""
    now = timezone.now()
    active = Sanction.objects.filter(
        user_id=user_id,
        status=SanctionStatus.ACTIVE,
        kind__in=(SanctionKind.BAN, SanctionKind.SUSPENSION),
    )
    is_banned = active.filter(kind=SanctionKind.BAN).exists()
    suspension_end = max(
        (
            end
            for end in active.filter(kind=SanctionKind.SUSPENSION).values_list("ends_at", flat=True)
            if end is not None and end > now
        ),
        default=None,
    )
    user = User.objects.select_for_update().get(pk=user_id)
    if user.banned_at is not None and not is_banned:
        user_restriction_lift(user_id=user_id, ban=True, suspension=False)
    if user.suspended_until != suspension_end:
        user_restriction_lift(user_id=user_id, ban=False, suspension=True)
        if suspension_end is not None:
            user_restrict(user_id=user_id, until=suspension_end)
    profile_refresh_completion(profile_id=user_id)


def _restore_content(sanction: Sanction) -> None:
    """Put back what a removal removed, where that is still possible."""
    removed = sanction.removed_content
    if sanction.kind == SanctionKind.PHOTO_REMOVED:
        if Photo.objects.filter(pk=removed.get("photo_id"), profile_id=sanction.user_id).exists():
            photo_set_moderation_state(photo_id=removed["photo_id"], state=ModerationState.APPROVED)
    elif sanction.kind == SanctionKind.TEXT_REMOVED:
        owner = User.objects.get(pk=sanction.user_id)
        field = removed.get("field")
        if field in REMOVABLE_PROFILE_FIELDS:
            # Only into an empty field: never overwrite what the person wrote since.
            if not Profile.objects.values_list(field, flat=True).get(pk=sanction.user_id):
                profile_update(user=owner, data={field: removed["text"]})
        elif field == PROMPT_ANSWER_FIELD:
            try:
                with transaction.atomic():
                    prompt_answer_create(
                        user=owner, prompt_id=removed["prompt_id"], answer=removed["text"]
                    )
            except (ApplicationError, IntegrityError):
                pass  # answered again since, the prompt retired, or no room: leave it


def _end(sanction: Sanction, *, status: str) -> None:
    sanction.status = status
    sanction.ended_at = timezone.now()
    sanction.save(update_fields=["status", "ended_at", "updated_at"])
    if sanction.kind in (SanctionKind.BAN, SanctionKind.SUSPENSION):
        _reconcile_restrictions(user_id=sanction.user_id)
    elif sanction.kind == SanctionKind.VERIFICATION_REQUIRED:
        transaction.on_commit(partial(profile_refresh_completion, profile_id=sanction.user_id))


def sanctions_end_expired_suspensions(*, now: datetime | None = None, limit: int = 500) -> int:
    """End suspensions whose time is up (the beat job): the account is unrestricted (unless
    another sanction still holds), rejoins discovery, and hears of it. Idempotent; each
    suspension in its own transaction, locked and rechecked. Returns how many ended."""
    now = now or timezone.now()
    due = list(
        Sanction.objects.filter(
            kind=SanctionKind.SUSPENSION, status=SanctionStatus.ACTIVE, ends_at__lte=now
        )
        .order_by("ends_at")
        .values_list("pk", flat=True)[:limit]
    )
    ended = 0
    for sanction_id in due:
        with transaction.atomic():
            sanction = (
                Sanction.objects.select_for_update(skip_locked=True)
                .filter(pk=sanction_id, status=SanctionStatus.ACTIVE, ends_at__lte=now)
                .first()
            )
            if sanction is None:
                continue
            _end(sanction, status=SanctionStatus.ENDED)
            audit_record(
                actor=None,
                action=AuditAction.SANCTION_ENDED,
                target_type="sanction",
                target_id=sanction.pk,
                subject_user_id=sanction.user_id,
                reason="The suspension ran its course.",
            )
            notify(
                user_id=sanction.user_id,
                kind=NotificationKind.MODERATION_NOTICE,
                title="Your suspension has ended",
                body="Welcome back. Please keep to the community guidelines.",
                data={"sanction_id": str(sanction.pk), "sanction_kind": sanction.kind},
            )
            ended += 1
    return ended


def sanctions_end_verification_required(*, user_id: UUID, reviewer: User | None) -> int:
    """A verification selfie was approved: "verify your profile" sanctions in force end and
    the profile may rejoin discovery. Idempotent; returns how many ended."""
    with transaction.atomic():
        pending = list(
            Sanction.objects.select_for_update().filter(
                user_id=user_id,
                kind=SanctionKind.VERIFICATION_REQUIRED,
                status=SanctionStatus.ACTIVE,
            )
        )
        for sanction in pending:
            _end(sanction, status=SanctionStatus.ENDED)
            audit_record(
                actor=reviewer,
                action=AuditAction.SANCTION_ENDED,
                target_type="sanction",
                target_id=sanction.pk,
                subject_user_id=user_id,
                reason="The profile was verified.",
            )
    return len(pending)


def is_verification_required(profile_id: UUID) -> bool:
    """profiles.hooks veto: a "verify your profile" sanction in force hides the profile."""
    return Sanction.objects.filter(
        user_id=profile_id,
        kind=SanctionKind.VERIFICATION_REQUIRED,
        status=SanctionStatus.ACTIVE,
    ).exists()


# --- appeals --------------------------------------------------------------------------------


def appeal_create(*, user: User, sanction_id: UUID, message: str = "") -> Appeal:
    """Appeal one of my sanctions, once, within KINDRED_APPEAL_WINDOW_DAYS. It goes to the
    appeal queue, where a moderator other than the one who decided reviews it.

    404 for a sanction that is not mine; 409 `already_appealed`, `appeal_window_closed`,
    `sanction_overturned`. Two appeals at once: the one-to-one constraint keeps one.
    """
    with transaction.atomic():
        sanction = (
            Sanction.objects.select_for_update().filter(pk=sanction_id, user_id=user.pk).first()
        )
        if sanction is None:
            raise NotFound("No such sanction.")
        if Appeal.objects.filter(sanction=sanction).exists():
            raise Conflict("This decision has already been appealed.", code="already_appealed")
        if sanction.status == SanctionStatus.OVERTURNED:
            raise Conflict("This decision was already overturned.", code="sanction_overturned")
        deadline = sanction.created_at + timedelta(days=settings.KINDRED_APPEAL_WINDOW_DAYS)
        if timezone.now() > deadline:
            raise Conflict(
                "The time to appeal this decision has passed.",
                code="appeal_window_closed",
                extra={"deadline": deadline},
            )
        return Appeal.objects.create(sanction=sanction, message=message)


def appeal_decide(*, appeal_id: UUID, moderator: User, is_upheld: bool, note: str) -> Appeal:
    """Decide a pending appeal. Overturning ends the sanction's effect: a ban or suspension
    is lifted (unless another still holds), removed content is restored where possible, a
    verification requirement is dropped. `note` is shown to the person.

    Refusals change nothing: 403 `own_sanction` (the moderator who imposed the sanction
    may not review its appeal), 403 `not_a_moderator`; 409 `appeal_decided`; 400
    `decision_note_required`.
    """
    ensure_moderator(moderator, "moderation.change_appeal")
    note = note.strip()
    if not note:
        raise ValidationFailed(
            "Explain the decision to the person.",
            code="decision_note_required",
            extra={"fields": {"note": ["This field is required."]}},
        )
    with transaction.atomic():
        appeal = (
            Appeal.objects.select_for_update()
            .select_related("sanction")
            .filter(pk=appeal_id)
            .first()
        )
        if appeal is None:
            raise NotFound("No such appeal.")
        if appeal.status != AppealStatus.PENDING:
            raise Conflict("This appeal was already decided.", code="appeal_decided")
        sanction = Sanction.objects.select_for_update().get(pk=appeal.sanction_id)
        if sanction.moderator_id == moderator.pk:
            raise PermissionDenied(
                "A second moderator must review an appeal of your own decision.",
                code="own_sanction",
            )
        if sanction.user_id == moderator.pk:
            raise PermissionDenied("You cannot review your own appeal.", code="own_sanction")
        appeal.status = AppealStatus.UPHELD if is_upheld else AppealStatus.OVERTURNED
        appeal.decided_by = moderator
        appeal.decided_at = timezone.now()
        appeal.decision_note = note
        appeal.save()
        if not is_upheld:
            was_in_force = sanction.status == SanctionStatus.ACTIVE
            _restore_content(sanction)
            sanction.status = SanctionStatus.OVERTURNED
            sanction.ended_at = sanction.ended_at or appeal.decided_at
            sanction.save(update_fields=["status", "ended_at", "updated_at"])
            if was_in_force and sanction.kind in (SanctionKind.BAN, SanctionKind.SUSPENSION):
                _reconcile_restrictions(user_id=sanction.user_id)
            elif sanction.kind == SanctionKind.VERIFICATION_REQUIRED:
                transaction.on_commit(
                    partial(profile_refresh_completion, profile_id=sanction.user_id)
                )
        audit_record(
            actor=moderator,
            action=AuditAction.APPEAL_UPHELD if is_upheld else AuditAction.APPEAL_OVERTURNED,
            target_type="appeal",
            target_id=appeal.pk,
            subject_user_id=sanction.user_id,
            reason=note,
            data={"sanction_id": str(sanction.pk), "kind": sanction.kind},
        )
        notify(
            user_id=sanction.user_id,
            kind=NotificationKind.MODERATION_NOTICE,
            title="Your appeal was accepted" if not is_upheld else "Your appeal was reviewed",
            body=note[:500],
            data={"sanction_id": str(sanction.pk), "appeal_id": str(appeal.pk)},
        )
    return appeal
