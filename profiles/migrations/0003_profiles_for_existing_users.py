"""Accounts created before profiles existed get their (empty) profile, as new ones do."""

from django.db import migrations


def create_missing_profiles(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    Profile = apps.get_model("profiles", "Profile")
    missing = User.objects.filter(profile__isnull=True).values_list("pk", flat=True)
    Profile.objects.bulk_create(
        [Profile(user_id=pk) for pk in missing.iterator()], batch_size=1000, ignore_conflicts=True
    )


class Migration(migrations.Migration):
    dependencies = [
        ("profiles", "0002_seed_catalogs"),
        ("accounts", "0003_field_labels"),
    ]

    operations = [migrations.RunPython(create_missing_profiles, migrations.RunPython.noop)]
