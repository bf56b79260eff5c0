"""What the `Moderators` group (accounts 0002) may do: work the moderation queues —
reports, appeals, the photo and verification queues — read sanctions, the audit log and
profiles. Nothing else: no account edits, passwords, staff flags or groups (the accounts
admin also refuses those to anyone but superusers)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODERATORS = "Moderators"
PERMISSIONS = [
    ("moderation", "view_report"),
    ("moderation", "change_report"),
    ("moderation", "view_sanction"),
    ("moderation", "view_appeal"),
    ("moderation", "change_appeal"),
    ("moderation", "view_auditentry"),
    ("moderation", "view_photoreview"),
    ("moderation", "change_photoreview"),
    ("moderation", "view_verificationreview"),
    ("moderation", "change_verificationreview"),
    ("profiles", "view_profile"),
]


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure these exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=MODERATORS)
    for app_label, codename in PERMISSIONS:
        group.permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=MODERATORS).first()
    if group is None:
        return
    for app_label, codename in PERMISSIONS:
        permission = Permission.objects.filter(
            content_type__app_label=app_label, codename=codename
        ).first()
        if permission is not None:
            group.permissions.remove(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("moderation", "0003_audit_append_only"),
        ("accounts", "0002_moderators_group"),
        ("profiles", "0004_discoverability"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
