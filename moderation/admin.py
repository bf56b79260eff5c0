"""The moderators' console: queues of reports (by priority, with their evidence), photos,
verification selfies and appeals; sanctions and the audit log, read-only.

Every decision goes through moderation's services, which check the moderator's permission
again and write the audit entry; opening a report (its evidence: profile snapshot and
private messages) is audited here. The `Moderators` group holds exactly the permissions
these queues need (migration 0004); superusers see everything, but nobody may add, change
or delete an audit entry.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any, cast

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator

from accounts.models import User
from core.exceptions import ApplicationError
from moderation.admin_forms import ReasonForm, ReportDecisionForm
from moderation.audit import audit_record
from moderation.models import (
    Appeal,
    AppealStatus,
    AuditAction,
    AuditEntry,
    Evidence,
    PhotoReview,
    Report,
    ReportStatus,
    Sanction,
    VerificationReview,
)
from moderation.review_services import photo_review, verification_decide
from moderation.sanction_services import DISMISS, appeal_decide, report_resolve
from profiles.models import ModerationState, Photo, VerificationPose, VerificationStatus
from profiles.photo_selectors import photo_signed_urls

# --- shared pieces ------------------------------------------------------------------------------


def _moderator(request: HttpRequest) -> User:
    # The admin lets only signed-in staff reach its views.
    return cast(User, request.user)


def _storage_url(name: str | None) -> str | None:
    return default_storage.url(name) if name else None


def _image(url: str | None, *, alt: str, size: int) -> str:
    if not url:
        return format_html('<span class="quiet">{}</span>', "no image")
    return format_html(
        '<img src="{}" alt="{}" style="max-height:{}px;max-width:{}px" loading="lazy">',
        url,
        alt,
        size,
        size,
    )


def _with_reason(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet,
    *,
    title: str,
    label: str,
    apply: Callable[[str], None],
) -> TemplateResponse | None:
    """A bulk action that needs a reason: a confirmation page asks for it, then `apply`."""
    if "apply" in request.POST:
        form = ReasonForm(request.POST)
        if form.is_valid():
            apply(form.cleaned_data["reason"])
            return None
    else:
        form = ReasonForm()
    form.fields["reason"].label = label
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "opts": modeladmin.model._meta,
        "queryset": queryset,
        "form": form,
        "action_name": request.POST.get("action", ""),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/moderation/action_reason.html", context)


def _report_outcomes(
    modeladmin: admin.ModelAdmin, request: HttpRequest, done: int, errors: list[str]
) -> None:
    if done:
        modeladmin.message_user(request, f"{done} done.", messages.SUCCESS)
    for error in errors:
        modeladmin.message_user(request, error, messages.WARNING)


class DefaultChoiceFilter(admin.SimpleListFilter):
    """A filter that starts on one choice (the queue) until another, or all, is picked."""

    default: str = ""
    all_label = "All"

    def value(self) -> str | None:
        value = super().value()
        return self.default if value is None else (None if value == "all" else value)

    def choices(self, changelist: Any) -> Any:
        current = super().value()
        for lookup, title in self.lookup_choices:
            selected = current == str(lookup) or (current is None and lookup == self.default)
            yield {
                "selected": selected,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }
        yield {
            "selected": current == "all",
            "query_string": changelist.get_query_string({self.parameter_name: "all"}),
            "display": self.all_label,
        }


# --- reports ------------------------------------------------------------------------------------


class ReportQueueFilter(DefaultChoiceFilter):
    title = "status"
    parameter_name = "status"
    default = ReportStatus.OPEN

    def lookups(self, request: HttpRequest, model_admin: Any) -> Any:
        return ReportStatus.choices

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        return queryset.filter(status=value) if value else queryset


def _evidence_view(evidence: Evidence, report: Report) -> dict[str, Any]:
    """An evidence snapshot ready for the template: photo URLs signed now (the evidence
    copy when there is one), messages labelled by who sent them."""
    reporter_id = str(report.reporter_id) if report.reporter_id else None
    reported_id = str(report.reported_id) if report.reported_id else None
    profile = dict(evidence.profile)
    profile["photo_views"] = [
        {
            "url": _storage_url(photo.get("evidence_copy") or photo.get("rendition")),
            "position": photo.get("position", 0) + 1,
            "moderation_state": photo.get("moderation_state", ""),
        }
        for photo in evidence.profile.get("photos", [])
    ]
    referenced_ids = {message["id"] for message in evidence.referenced_messages}

    def label(message: dict[str, Any]) -> dict[str, Any]:
        sender = message.get("sender_id")
        role = "reporter" if sender == reporter_id else "reported" if sender == reported_id else ""
        return {
            **message,
            "role": role,
            "is_referenced": message["id"] in referenced_ids,
            "sent_at": datetime.fromisoformat(message["created_at"]),
        }

    return {
        "evidence": evidence,
        "profile": profile,
        "referenced": [label(message) for message in evidence.referenced_messages],
        "recent": [label(message) for message in evidence.recent_messages],
    }


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = (
        "priority",
        "summary",
        "reported_person",
        "submission_count",
        "reporter_email",
        "status",
        "created_at",
        "last_submitted_at",
    )
    list_display_links = ("summary",)
    list_filter = (ReportQueueFilter, "reason", "created_at")
    search_fields = (
        "=id",
        "=reported__id",
        "reported__email",
        "reported__profile__display_name",
        "reporter__email",
    )
    list_select_related = ("reported", "reported__profile", "reporter")
    ordering = ("-priority", "created_at")
    actions = ("dismiss_reports",)
    list_per_page = 50
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="report", ordering="reason")
    def summary(self, report: Report) -> str:
        return f"{report.get_reason_display()} report"

    @admin.display(description="reported person")
    def reported_person(self, report: Report) -> str:
        if report.reported is None:
            return "(deleted account)"
        profile = getattr(report.reported, "profile", None)
        name = profile.display_name if profile is not None and profile.display_name else "—"
        return f"{name} <{report.reported.email}>"

    @admin.display(description="reporter")
    def reporter_email(self, report: Report) -> str:
        return report.reporter.email if report.reporter is not None else "(deleted account)"

    @admin.action(description="Dismiss the selected reports", permissions=["change"])
    def dismiss_reports(
        self, request: HttpRequest, queryset: QuerySet[Report]
    ) -> TemplateResponse | None:
        def apply(reason: str) -> None:
            done, errors = 0, []
            for report_id in queryset.values_list("pk", flat=True):
                try:
                    report_resolve(
                        report_id=report_id,
                        moderator=_moderator(request),
                        action=DISMISS,
                        note=reason,
                    )
                    done += 1
                except ApplicationError as error:
                    errors.append(f"Report {report_id}: {error.message}")
            _report_outcomes(self, request, done, errors)

        return _with_reason(
            self,
            request,
            queryset,
            title="Dismiss reports",
            label="Why no rule was broken (internal)",
            apply=apply,
        )

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        """The report with its evidence and the decision form. Opening it is audited: it
        shows private messages."""
        report = self.get_object(request, unquote(object_id))
        if report is None:
            return self._get_obj_does_not_exist_redirect(  # type: ignore[attr-defined]
                request, self.opts, object_id
            )
        if not self.has_view_or_change_permission(request, report):
            raise PermissionDenied
        may_decide = self.has_change_permission(request, report) and (
            report.status == ReportStatus.OPEN
        )
        if request.method == "POST":
            if not may_decide:
                raise PermissionDenied
            form = ReportDecisionForm(request.POST, report=report)
            if form.is_valid():
                try:
                    report_resolve(
                        report_id=report.pk,
                        moderator=_moderator(request),
                        **form.service_arguments(),
                    )
                except ApplicationError as error:
                    fields = error.extra.get("fields", {}) if error.extra else {}
                    if fields:
                        for name, problems in fields.items():
                            target = name if name in form.fields else None
                            form.add_error(target, "; ".join(map(str, problems)))
                    else:
                        form.add_error(None, error.message)
                else:
                    self.message_user(request, "Decision recorded.", messages.SUCCESS)
                    return HttpResponseRedirect(reverse("admin:moderation_report_changelist"))
        else:
            form = ReportDecisionForm(report=report)
            audit_record(
                actor=_moderator(request),
                action=AuditAction.EVIDENCE_VIEWED,
                target_type="report",
                target_id=report.pk,
                subject_user_id=report.reported_id,
                reason="Opened the report and its evidence for review.",
            )
        evidence = [_evidence_view(item, report) for item in report.evidence.order_by("created_at")]
        history = {
            "reports": Report.objects.filter(reported_id=report.reported_id)
            .exclude(pk=report.pk)
            .order_by("-created_at")[:20]
            if report.reported_id
            else [],
            "sanctions": Sanction.objects.filter(user_id=report.reported_id)
            .select_related("moderator")
            .order_by("-created_at")[:20]
            if report.reported_id
            else [],
        }
        context = {
            **self.admin_site.each_context(request),
            "title": f"{report.get_reason_display()} report",
            "opts": self.opts,
            "original": report,
            "report": report,
            "evidence_views": evidence,
            "history": history,
            "form": form,
            "may_decide": may_decide,
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/moderation/report/detail.html", context)


# --- sanctions and appeals ----------------------------------------------------------------------


@admin.register(Sanction)
class SanctionAdmin(admin.ModelAdmin):
    """Read-only: sanctions are imposed from reports and changed only by appeals."""

    list_display = (
        "created_at",
        "user",
        "kind",
        "status",
        "short_reason",
        "moderator",
        "ends_at",
    )
    list_filter = ("kind", "status", "created_at")
    search_fields = ("=id", "=user__id", "user__email", "policy_reason")
    list_select_related = ("user", "moderator")
    ordering = ("-created_at",)
    readonly_fields = (
        "user",
        "kind",
        "status",
        "policy_reason",
        "note",
        "moderator",
        "created_at",
        "ends_at",
        "ended_at",
        "removed_content",
    )
    fields = readonly_fields
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="policy reason")
    def short_reason(self, sanction: Sanction) -> str:
        return Truncator(sanction.policy_reason).chars(80)


class AppealQueueFilter(DefaultChoiceFilter):
    title = "status"
    parameter_name = "status"
    default = AppealStatus.PENDING

    def lookups(self, request: HttpRequest, model_admin: Any) -> Any:
        return AppealStatus.choices

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        return queryset.filter(status=value) if value else queryset


@admin.register(Appeal)
class AppealAdmin(admin.ModelAdmin):
    """The appeal queue. Appeals of my own decisions are not in my queue: a second
    moderator reviews them (the service refuses me anyway)."""

    list_display = (
        "created_at",
        "person",
        "sanction_kind",
        "sanction_reason",
        "decided_first_by",
        "short_message",
        "status",
    )
    list_filter = (AppealQueueFilter, "sanction__kind", "created_at")
    search_fields = ("=id", "=sanction__user__id", "sanction__user__email", "message")
    list_select_related = ("sanction", "sanction__user", "sanction__moderator", "decided_by")
    ordering = ("created_at",)
    actions = ("uphold_appeals", "overturn_appeals")
    readonly_fields = (
        "person",
        "sanction_kind",
        "sanction_reason",
        "sanction_note",
        "decided_first_by",
        "message",
        "status",
        "decided_by",
        "decided_at",
        "decision_note",
        "created_at",
    )
    fields = readonly_fields
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Appeal]:
        return super().get_queryset(request).exclude(sanction__moderator_id=request.user.pk)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The detail page is read-only; decisions are the list's actions.
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="person")
    def person(self, appeal: Appeal) -> str:
        return appeal.sanction.user.email

    @admin.display(description="sanction", ordering="sanction__kind")
    def sanction_kind(self, appeal: Appeal) -> str:
        return appeal.sanction.get_kind_display()

    @admin.display(description="policy reason")
    def sanction_reason(self, appeal: Appeal) -> str:
        return appeal.sanction.policy_reason

    @admin.display(description="moderator's note")
    def sanction_note(self, appeal: Appeal) -> str:
        return appeal.sanction.note

    @admin.display(description="decided by")
    def decided_first_by(self, appeal: Appeal) -> str:
        moderator = appeal.sanction.moderator
        return moderator.email if moderator is not None else "—"

    @admin.display(description="appeal")
    def short_message(self, appeal: Appeal) -> str:
        return Truncator(appeal.message).chars(80)

    def _decide(
        self, request: HttpRequest, queryset: QuerySet[Appeal], *, is_upheld: bool
    ) -> TemplateResponse | None:
        def apply(note: str) -> None:
            done, errors = 0, []
            for appeal_id in queryset.values_list("pk", flat=True):
                try:
                    appeal_decide(
                        appeal_id=appeal_id,
                        moderator=_moderator(request),
                        is_upheld=is_upheld,
                        note=note,
                    )
                    done += 1
                except ApplicationError as error:
                    errors.append(f"Appeal {appeal_id}: {error.message}")
            _report_outcomes(self, request, done, errors)

        return _with_reason(
            self,
            request,
            queryset,
            title="Uphold the decisions" if is_upheld else "Overturn the decisions",
            label="Your answer to the person (they will read it)",
            apply=apply,
        )

    @admin.action(description="Uphold the selected decisions", permissions=["change"])
    def uphold_appeals(
        self, request: HttpRequest, queryset: QuerySet[Appeal]
    ) -> TemplateResponse | None:
        return self._decide(request, queryset, is_upheld=True)

    @admin.action(
        description="Overturn the selected decisions (lifts bans and suspensions)",
        permissions=["change"],
    )
    def overturn_appeals(
        self, request: HttpRequest, queryset: QuerySet[Appeal]
    ) -> TemplateResponse | None:
        return self._decide(request, queryset, is_upheld=False)


# --- the photo and verification queues ---------------------------------------------------------


class PhotoQueueFilter(DefaultChoiceFilter):
    title = "moderation state"
    parameter_name = "state"
    default = ModerationState.PENDING

    def lookups(self, request: HttpRequest, model_admin: Any) -> Any:
        return ModerationState.choices

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        return queryset.filter(moderation_state=value) if value else queryset


@admin.register(PhotoReview)
class PhotoReviewAdmin(admin.ModelAdmin):
    list_display = ("thumbnail", "profile", "position", "moderation_state", "status", "created_at")
    list_display_links = ("thumbnail",)
    list_filter = (PhotoQueueFilter, "status", "created_at")
    list_select_related = ("profile",)
    search_fields = ("=id", "=profile__user__id", "profile__user__email", "profile__display_name")
    ordering = ("created_at",)
    actions = ("approve_photos", "reject_photos")
    list_per_page = 50
    show_full_result_count = False
    fields = ("preview", "profile", "position", "status", "moderation_state", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The detail page is read-only; decisions are the list's actions.
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="photo")
    def thumbnail(self, photo: Photo) -> str:
        urls = photo_signed_urls(photo=photo)
        return _image(urls["small"] if urls else None, alt=f"photo {photo.pk}", size=96)

    @admin.display(description="preview")
    def preview(self, photo: Photo) -> str:
        urls = photo_signed_urls(photo=photo)
        return _image(urls["large"] if urls else None, alt="", size=480)

    @admin.action(description="Approve the selected photos", permissions=["change"])
    def approve_photos(self, request: HttpRequest, queryset: QuerySet[Photo]) -> None:
        done, errors = 0, []
        for photo_id in queryset.values_list("pk", flat=True):
            try:
                photo_review(moderator=_moderator(request), photo_id=photo_id, is_approved=True)
                done += 1
            except ApplicationError as error:
                errors.append(f"Photo {photo_id}: {error.message}")
        _report_outcomes(self, request, done, errors)

    @admin.action(description="Reject the selected photos", permissions=["change"])
    def reject_photos(
        self, request: HttpRequest, queryset: QuerySet[Photo]
    ) -> TemplateResponse | None:
        def apply(reason: str) -> None:
            done, errors = 0, []
            for photo_id in queryset.values_list("pk", flat=True):
                try:
                    photo_review(
                        moderator=_moderator(request),
                        photo_id=photo_id,
                        is_approved=False,
                        reason=reason,
                    )
                    done += 1
                except ApplicationError as error:
                    errors.append(f"Photo {photo_id}: {error.message}")
            _report_outcomes(self, request, done, errors)

        return _with_reason(
            self,
            request,
            queryset,
            title="Reject photos",
            label="Which photo rule they break (the owner will read it)",
            apply=apply,
        )


class VerificationQueueFilter(DefaultChoiceFilter):
    title = "status"
    parameter_name = "status"
    default = VerificationStatus.PENDING

    def lookups(self, request: HttpRequest, model_admin: Any) -> Any:
        return [
            (value, label)
            for value, label in VerificationStatus.choices
            if value != VerificationStatus.CHALLENGED
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        return queryset.filter(status=value) if value else queryset


@admin.register(VerificationReview)
class VerificationReviewAdmin(admin.ModelAdmin):
    """The selfie next to the profile's approved photos and the pose that was asked for."""

    list_display = (
        "selfie_thumbnail",
        "profile_photos",
        "requested_pose",
        "profile",
        "submitted_at",
        "status",
    )
    list_display_links = ("selfie_thumbnail",)
    list_filter = (VerificationQueueFilter, "pose")
    list_select_related = ("profile",)
    search_fields = ("=id", "=profile__user__id", "profile__user__email", "profile__display_name")
    ordering = ("submitted_at",)
    actions = ("approve_verifications", "reject_verifications")
    list_per_page = 25
    show_full_result_count = False
    fields = (
        "requested_pose",
        "selfie_large",
        "profile_photos_large",
        "profile",
        "status",
        "submitted_at",
        "reviewed_by",
        "reviewed_at",
        "review_note",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[VerificationReview]:
        return (
            super()
            .get_queryset(request)
            .exclude(status=VerificationStatus.CHALLENGED)
            .prefetch_related("profile__photos")
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def _photos(self, attempt: VerificationReview, *, size: int, rendition: str) -> str:
        photos = [
            photo
            for photo in attempt.profile.photos.all()
            if photo.moderation_state == ModerationState.APPROVED
        ]
        photos.sort(key=lambda photo: photo.position)
        if not photos:
            return format_html('<span class="quiet">{}</span>', "no approved photo")
        return format_html_join(
            " ",
            "{}",
            (
                (
                    _image(
                        (photo_signed_urls(photo=photo) or {}).get(rendition),
                        alt=f"profile photo {photo.position + 1}",
                        size=size,
                    ),
                )
                for photo in photos
            ),
        )

    @admin.display(description="selfie")
    def selfie_thumbnail(self, attempt: VerificationReview) -> str:
        return _image(_storage_url(attempt.selfie.name), alt="selfie", size=120)

    @admin.display(description="selfie")
    def selfie_large(self, attempt: VerificationReview) -> str:
        return _image(_storage_url(attempt.selfie.name), alt="selfie", size=480)

    @admin.display(description="profile photos")
    def profile_photos(self, attempt: VerificationReview) -> str:
        return self._photos(attempt, size=120, rendition="small")

    @admin.display(description="profile photos")
    def profile_photos_large(self, attempt: VerificationReview) -> str:
        return self._photos(attempt, size=320, rendition="medium")

    @admin.display(description="requested pose", ordering="pose")
    def requested_pose(self, attempt: VerificationReview) -> str:
        return VerificationPose(attempt.pose).label

    @admin.action(description="Approve the selected selfies", permissions=["change"])
    def approve_verifications(self, request: HttpRequest, queryset: QuerySet) -> None:
        done, errors = 0, []
        for attempt_id in queryset.values_list("pk", flat=True):
            try:
                verification_decide(
                    moderator=_moderator(request), request_id=attempt_id, is_approved=True
                )
                done += 1
            except ApplicationError as error:
                errors.append(f"Verification {attempt_id}: {error.message}")
        _report_outcomes(self, request, done, errors)

    @admin.action(description="Reject the selected selfies", permissions=["change"])
    def reject_verifications(
        self, request: HttpRequest, queryset: QuerySet
    ) -> TemplateResponse | None:
        def apply(note: str) -> None:
            done, errors = 0, []
            for attempt_id in queryset.values_list("pk", flat=True):
                try:
                    verification_decide(
                        moderator=_moderator(request),
                        request_id=attempt_id,
                        is_approved=False,
                        note=note,
                    )
                    done += 1
                except ApplicationError as error:
                    errors.append(f"Verification {attempt_id}: {error.message}")
            _report_outcomes(self, request, done, errors)

        return _with_reason(
            self,
            request,
            queryset,
            title="Reject verification selfies",
            label="Note to the person (e.g. the pose does not match, the face is hidden)",
            apply=apply,
        )


# --- the audit log ------------------------------------------------------------------------------


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only for everyone, superusers included (the database refuses changes too)."""

    list_display = (
        "created_at",
        "actor_email",
        "action",
        "target_type",
        "target_id",
        "subject_user_id",
        "short_reason",
    )
    list_filter = ("action", "target_type", "created_at")
    search_fields = ("actor_email", "=target_id", "=subject_user_id", "reason")
    ordering = ("-created_at", "-id")
    date_hierarchy = "created_at"
    list_per_page = 100
    show_full_result_count = False
    fields = (
        "created_at",
        "actor_email",
        "actor",
        "action",
        "target_type",
        "target_id",
        "subject_user_id",
        "reason",
        "data",
    )
    readonly_fields = fields

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        return {}

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="why")
    def short_reason(self, entry: AuditEntry) -> str:
        return Truncator(entry.reason).chars(80)
