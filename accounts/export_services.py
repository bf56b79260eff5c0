"""Data export (POST/GET /me/export): a ZIP of everything held on a person.

The archive has one JSON file per app (`<label>.json`, from each app's `privacy` module,
see accounts.data_rights), the stored files they list (photo originals, verification
selfies) under `<label>/...`, and a README. Other people appear only as "person-N"
pseudonyms; of them the archive holds only what they sent to this person (messages, like
comments). It is stored privately (default storage, `exports/<user id>/<export id>/
<random>.zip`), handed out through signed links that expire after KINDRED_EXPORT_LINK_TTL
seconds, and deleted after KINDRED_EXPORT_RETENTION_DAYS. One export per
KINDRED_EXPORT_INTERVAL_HOURS (429 `export_rate_limited` with Retry-After); a failed one
does not count.
"""

import json
import logging
import secrets
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import IO, Any
from uuid import UUID

from botocore import exceptions as botocore_exceptions
from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from accounts.data_rights import ExportFile, People, privacy_providers
from accounts.models import DataExport, ExportStatus, User
from core.exceptions import NotFound, RateLimited

logger = logging.getLogger(__name__)

# Storage failures worth another try (the bucket unreachable or slow, not wrong).
TRANSIENT_STORAGE_ERRORS: tuple[type[BaseException], ...] = (
    botocore_exceptions.ConnectionError,
    botocore_exceptions.HTTPClientError,
    ConnectionError,
    TimeoutError,
)

_README = """Your {app_name} data, exported {when} UTC.

Each JSON file holds what one part of {app_name} keeps about you:
{sections}
Files next to them are your own uploads, as we received them (photos/..., verification/...).

Other people appear only as "person-1", "person-2", ... (the same person has the same name
in every file of this archive); "you" is you. Of other people this archive holds nothing
but what they sent to you.
{missing}"""


@dataclass(frozen=True)
class ExportState:
    export: DataExport
    download_url: str | None
    next_export_at: datetime | None


def _interval() -> timedelta:
    return timedelta(hours=settings.KINDRED_EXPORT_INTERVAL_HOURS)


def data_export_request(*, user: User) -> DataExport:
    """Queue a new export of `user`'s data; the build runs on the `default` queue after
    commit. 429 `export_rate_limited` (Retry-After) within KINDRED_EXPORT_INTERVAL_HOURS
    of the last one that did not fail. Two requests at once serialize on the user row."""
    now = timezone.now()
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        last = (
            DataExport.objects.filter(user=user)
            .exclude(status=ExportStatus.FAILED)
            .order_by("-created_at")
            .first()
        )
        if last is not None and last.created_at + _interval() > now:
            available_at = last.created_at + _interval()
            raise RateLimited(
                "You can ask for one data export per day.",
                code="export_rate_limited",
                retry_after=int((available_at - now).total_seconds()) + 1,
                extra={"available_at": available_at.isoformat()},
            )
        export = DataExport.objects.create(user=user)
        from accounts.tasks import build_data_export_task

        transaction.on_commit(partial(build_data_export_task.delay, str(export.pk)))
    return export


def data_export_state(*, user: User) -> ExportState:
    """The latest export with a fresh signed link when ready (404 if there is none)."""
    export = DataExport.objects.filter(user=user).order_by("-created_at").first()
    if export is None:
        raise NotFound("No data export yet.", code="export_not_found")
    url = None
    if export.status == ExportStatus.READY and export.file_name:
        # Both our storages take `expire` (S3Storage and core.storage's disk storage); the
        # base Storage type does not declare it.
        storage: Any = default_storage
        url = storage.url(export.file_name, expire=settings.KINDRED_EXPORT_LINK_TTL)
    last_counted = (
        DataExport.objects.filter(user=user)
        .exclude(status=ExportStatus.FAILED)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    next_at = last_counted + _interval() if last_counted else None
    if next_at is not None and next_at <= timezone.now():
        next_at = None
    return ExportState(export=export, download_url=url, next_export_at=next_at)


def data_export_build(*, export_id: UUID | str) -> DataExport | None:
    """Task body: build the archive, store it, mark the export ready and notify the
    person (`export_ready`). Returns early when it is already built, expired or failed, or
    the account is gone. Transient storage errors propagate for the task to retry."""
    with transaction.atomic():
        export = (
            DataExport.objects.select_for_update()
            .select_related("user")
            .filter(pk=export_id)
            .first()
        )
        if export is None or export.status not in (ExportStatus.PENDING, ExportStatus.RUNNING):
            return export
        if export.user.erased_at is not None:
            return export
        export.status = ExportStatus.RUNNING
        export.started_at = timezone.now()
        export.save(update_fields=["status", "started_at", "updated_at"])
    user = export.user
    storage: Storage = default_storage
    name = f"exports/{user.pk}/{export.pk}/{secrets.token_urlsafe(16)}.zip"
    with tempfile.TemporaryFile() as archive:
        _write_archive(archive, user_id=user.pk, storage=storage)
        size = archive.tell()
        archive.seek(0)
        stored_name = storage.save(name, File(archive, name="export.zip"))
    now = timezone.now()
    with transaction.atomic():
        current = DataExport.objects.select_for_update().filter(pk=export.pk).first()
        if current is None or current.status != ExportStatus.RUNNING:
            # Built twice (a retried task: keep the first archive), or the account was
            # erased meanwhile (the row is gone): drop this archive.
            transaction.on_commit(partial(storage.delete, stored_name))
            return current
        export = current
        export.status = ExportStatus.READY
        export.file_name = stored_name
        export.size_bytes = size
        export.finished_at = now
        export.expires_at = now + timedelta(days=settings.KINDRED_EXPORT_RETENTION_DAYS)
        export.save()
        from notifications.services import notify

        notify(
            user_id=user.pk,
            kind="export_ready",
            title="Your data export is ready",
            body=(f"Download it from your account settings before {export.expires_at:%Y-%m-%d}."),
            data={"export_id": str(export.pk)},
        )
    logger.info("data export ready", extra={"user_id": str(user.pk), "bytes": size})
    return export


def data_export_mark_failed(*, export_id: UUID | str, reason: str) -> None:
    DataExport.objects.filter(
        pk=export_id, status__in=(ExportStatus.PENDING, ExportStatus.RUNNING)
    ).update(status=ExportStatus.FAILED, failure_reason=reason[:200], updated_at=timezone.now())


def data_exports_expire() -> int:
    """Delete archives past their retention (rows stay, `expired`); idempotent."""
    storage: Storage = default_storage
    count = 0
    for export in DataExport.objects.filter(
        status=ExportStatus.READY, expires_at__lte=timezone.now()
    ):
        if export.file_name:
            storage.delete(export.file_name)
        DataExport.objects.filter(pk=export.pk, status=ExportStatus.READY).update(
            status=ExportStatus.EXPIRED, file_name="", updated_at=timezone.now()
        )
        count += 1
    return count


# --- the archive ---------------------------------------------------------------------------------


def _write_archive(target: IO[bytes], *, user_id: UUID, storage: Storage) -> None:
    people = People(user_id)
    sections: list[str] = []
    missing: list[str] = []
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for provider in sorted(privacy_providers(), key=lambda item: item.label):
            if provider.export is None:
                continue
            section = provider.export(user_id=user_id, people=people)
            archive.writestr(
                f"{provider.label}.json",
                json.dumps(section.data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False),
            )
            sections.append(f"  {provider.label}.json")
            for item in section.files:
                if not _copy_file(archive, storage, provider.label, item):
                    missing.append(f"{provider.label}/{item.archive_path}")
        note = ""
        if missing:
            note = "\nThese files could not be found in storage:\n" + "".join(
                f"  {path}\n" for path in missing
            )
        archive.writestr(
            "README.txt",
            _README.format(
                app_name="Kindred",
                when=f"{timezone.now():%Y-%m-%d %H:%M}",
                sections="\n".join(sections) + "\n",
                missing=note,
            ),
        )
    target.seek(0, 2)


def _copy_file(archive: zipfile.ZipFile, storage: Storage, label: str, item: ExportFile) -> bool:
    """Stream one stored object into the archive (images are already compressed); False
    when it is not in storage (a photo deleted meanwhile)."""
    if not storage.exists(item.storage_name):
        return False
    info = zipfile.ZipInfo(f"{label}/{item.archive_path}", date_time=_zip_time())
    info.compress_type = zipfile.ZIP_STORED
    with storage.open(item.storage_name, "rb") as source, archive.open(info, "w") as destination:
        shutil.copyfileobj(source, destination, 1024 * 1024)
    return True


def _zip_time() -> tuple[int, int, int, int, int, int]:
    now = timezone.now()
    return (now.year, now.month, now.day, now.hour, now.minute, now.second)
