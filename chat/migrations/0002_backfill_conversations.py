"""Conversations for matches made before chat existed (new ones come with match_created)."""

from django.db import migrations


def backfill(apps, schema_editor):
    Match = apps.get_model("matching", "Match")
    Conversation = apps.get_model("chat", "Conversation")
    ConversationMember = apps.get_model("chat", "ConversationMember")
    missing = Match.objects.filter(conversation__isnull=True).values_list(
        "pk", "user_low_id", "user_high_id", "created_at"
    )
    for match_id, low_id, high_id, created_at in missing.iterator(chunk_size=1000):
        Conversation.objects.create(
            match_id=match_id, last_activity_at=created_at, created_at=created_at
        )
        ConversationMember.objects.bulk_create(
            [
                ConversationMember(conversation_id=match_id, user_id=low_id),
                ConversationMember(conversation_id=match_id, user_id=high_id),
            ]
        )


class Migration(migrations.Migration):
    dependencies = [("chat", "0001_initial")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
