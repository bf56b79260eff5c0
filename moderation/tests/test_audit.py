"""The audit log is append-only: the database refuses updates and deletes (a trigger), the
admin shows it read-only to everyone, and only the retention purge removes old entries."""

import uuid
from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.utils import timezone

from accounts.tests.factories import UserFactory
from moderation.audit import audit_purge_expired, audit_record
from moderation.models import AuditAction, AuditEntry

pytestmark = pytest.mark.django_db


def entry(moderator, **fields):
    return audit_record(
        actor=moderator,
        action=fields.pop("action", AuditAction.REPORT_DISMISSED),
        target_type="report",
        target_id=uuid.uuid4(),
        reason="Not abusive.",
        **fields,
    )


def insert_old_entry(days_ago: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO moderation_auditentry (created_at, actor_email, action, target_type,"
            " target_id, reason, data) VALUES (%s, '', 'sanction_ended', 'sanction', 'x', '',"
            " '{}') RETURNING id",
            [timezone.now() - timedelta(days=days_ago)],
        )
        return cursor.fetchone()[0]


def test_an_entry_records_who_what_target_when_and_why(moderator):
    written = entry(moderator, subject_user_id=moderator.pk, data={"kind": "ban"})

    stored = AuditEntry.objects.get(pk=written.pk)
    assert stored.actor == moderator
    assert stored.actor_email == moderator.email
    assert stored.action == "report_dismissed"
    assert stored.target_type == "report"
    assert stored.reason == "Not abusive."
    assert stored.data == {"kind": "ban"}
    assert stored.created_at is not None


@pytest.mark.parametrize(
    "change",
    [
        lambda item: AuditEntry.objects.filter(pk=item.pk).update(reason="rewritten"),
        lambda item: AuditEntry.objects.filter(pk=item.pk).delete(),
        lambda item: item.delete(),
        lambda item: (setattr(item, "reason", "rewritten"), item.save()),
    ],
    ids=["queryset-update", "queryset-delete", "instance-delete", "instance-save"],
)
def test_the_database_refuses_to_change_or_delete_an_entry(moderator, change):
    written = entry(moderator)

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        change(written)

    assert AuditEntry.objects.get(pk=written.pk).reason == "Not abusive."


def test_the_entry_outlives_the_moderators_account(moderator):
    written = entry(moderator)

    moderator.delete()

    stored = AuditEntry.objects.get(pk=written.pk)
    assert stored.actor_id is not None
    assert stored.actor_email == "moderator.one@example.com"


def test_the_retention_purge_deletes_only_entries_past_the_retention(moderator, settings):
    settings.KINDRED_AUDIT_RETENTION_DAYS = 100
    old = insert_old_entry(101)
    young = insert_old_entry(99)
    fresh = entry(moderator)

    assert audit_purge_expired() == 1
    assert audit_purge_expired() == 0

    assert set(AuditEntry.objects.values_list("pk", flat=True)) == {young, fresh.pk}
    assert not AuditEntry.objects.filter(pk=old).exists()
    # The purge's permission ended with its transaction.
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=young).delete()


def test_the_audit_log_is_read_only_in_the_admin_even_for_superusers(moderator):
    written = entry(moderator)
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    base = "/admin/moderation/auditentry/"

    listing = client.get(base)
    detail = client.get(f"{base}{written.pk}/change/")
    add = client.get(f"{base}add/")
    delete = client.post(f"{base}{written.pk}/delete/", {"post": "yes"})
    edit = client.post(f"{base}{written.pk}/change/", {"reason": "rewritten"})
    bulk = client.post(
        base, {"action": "delete_selected", "_selected_action": [written.pk], "post": "yes"}
    )

    assert listing.status_code == 200
    assert "Not abusive." in listing.content.decode()
    assert detail.status_code == 200
    assert 'name="_save"' not in detail.content.decode()
    assert add.status_code == 403
    assert delete.status_code == 403
    assert edit.status_code == 403
    assert bulk.status_code in (200, 302)
    assert AuditEntry.objects.get(pk=written.pk).reason == "Not abusive."
