"""Staff reading private chat text in the console, or reviewing flags, leaves an audit entry
(issue 7: every staff read of a private conversation is audited)."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import UserFactory
from chat.models import ChatFlag
from chat.tests.factories import make_match, make_user, send
from moderation.models import AuditAction, AuditEntry

pytestmark = pytest.mark.django_db


def superuser_client() -> tuple[Client, object]:
    staff = UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(staff)
    return client, staff


def test_opening_a_message_in_the_console_is_audited():
    alex, sam = make_user("Alex"), make_user("Sam")
    message = send(alex, make_match(alex, sam), "a private line").message
    client, staff = superuser_client()

    response = client.get(reverse("admin:chat_message_change", args=[message.pk]))

    assert response.status_code == 200
    assert b"a private line" in response.content
    entry = AuditEntry.objects.get()
    assert entry.actor_id == staff.pk
    assert entry.action == AuditAction.CONVERSATION_VIEWED
    assert (entry.target_type, entry.target_id) == ("chat.message", str(message.pk))
    assert entry.subject_user_id == alex.pk


def test_the_message_list_shows_no_text_and_writes_no_entry():
    alex, sam = make_user("Alex"), make_user("Sam")
    send(alex, make_match(alex, sam), "a private line")
    client, _ = superuser_client()

    response = client.get(reverse("admin:chat_message_changelist"))

    assert response.status_code == 200
    assert b"a private line" not in response.content
    assert not AuditEntry.objects.exists()


def test_opening_and_reviewing_a_chat_flag_are_audited():
    alex = make_user("Alex")
    flag = ChatFlag.objects.create(
        user=alex, reason=ChatFlag._meta.get_field("reason").choices[0][0], body="copied opener"
    )
    client, staff = superuser_client()

    opened = client.get(reverse("admin:chat_chatflag_change", args=[flag.pk]))
    reviewed = client.post(
        reverse("admin:chat_chatflag_changelist"),
        {"action": "mark_reviewed", "_selected_action": [flag.pk]},
    )

    assert opened.status_code == 200
    assert reviewed.status_code == 302
    flag.refresh_from_db()
    assert flag.reviewed_at is not None
    actions = list(
        AuditEntry.objects.order_by("id").values_list("actor_id", "action", "subject_user_id")
    )
    assert actions == [
        (staff.pk, AuditAction.CONVERSATION_VIEWED, alex.pk),
        (staff.pk, AuditAction.FLAG_REVIEWED, alex.pk),
    ]
