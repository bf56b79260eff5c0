"""Export and erasure of what accounts holds on a person (see accounts.data_rights).

The account row itself is anonymised by accounts.deletion_services.account_erase, which
keeps it as the anchor of moderation evidence; this module handles the rest: second
factors, remembered sign-in devices, sessions and data exports (rows and archives).
"""

from uuid import UUID

from django.core.files.storage import default_storage
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from accounts.data_rights import ExportSection, People, iso
from accounts.models import DataExport, LoginDevice, RecoveryCode, User
from accounts.storage_cleanup import storage_delete_folder

LABEL = "account"
ERASE_ORDER = 90


def export_prefix(user_id: UUID | str) -> str:
    return f"exports/{user_id}"


def export_user_data(*, user_id: UUID, people: People) -> ExportSection:
    user = User.objects.get(pk=user_id)
    return ExportSection(
        data={
            "account": {
                "id": str(user.pk),
                "email": user.email,
                "email_verified_at": iso(user.email_verified_at),
                "phone": user.phone,
                "time_zone": user.time_zone,
                "date_joined": iso(user.date_joined),
                "last_login": iso(user.last_login),
                "last_seen_at": iso(user.last_seen_at),
                "banned_at": iso(user.banned_at),
                "suspended_until": iso(user.suspended_until),
                "two_factor_enabled": TOTPDevice.objects.filter(
                    user_id=user_id, confirmed=True
                ).exists(),
                "recovery_codes_unused": RecoveryCode.objects.filter(
                    user_id=user_id, used_at__isnull=True
                ).count(),
            },
            "sign_in_devices": [
                {
                    "user_agent": device.user_agent,
                    "first_seen_at": iso(device.created_at),
                    "last_seen_at": iso(device.last_seen_at),
                }
                for device in LoginDevice.objects.filter(user_id=user_id).order_by("created_at")
            ],
            "data_exports": [
                {"requested_at": iso(export.created_at), "status": export.status}
                for export in DataExport.objects.filter(user_id=user_id).order_by("created_at")
            ],
        }
    )


def erase_user_data(*, user_id: UUID) -> None:
    TOTPDevice.objects.filter(user_id=user_id).delete()
    RecoveryCode.objects.filter(user_id=user_id).delete()
    LoginDevice.objects.filter(user_id=user_id).delete()
    DataExport.objects.filter(user_id=user_id).delete()
    # Blacklist entries go with their tokens (cascade).
    OutstandingToken.objects.filter(user_id=user_id).delete()


def erase_user_files(*, user_id: UUID) -> int:
    return storage_delete_folder(default_storage, export_prefix(user_id))
