from datetime import time, timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from accounts.tokens import token_pair_for_user
from core.testing import run_in_threads
from notifications.models import NotificationPreference, PushDevice
from notifications.services import push_device_register, push_devices_delete_for_user
from notifications.tests.factories import PushDeviceFactory

pytestmark = pytest.mark.django_db

DEVICES = "/api/v1/notifications/devices"
PREFERENCES = "/api/v1/notifications/preferences"
TOKEN = "eXaMpLe-fcm:APA91bH-registration-token_0123456789"


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_pair_for_user(user).access}")
    return client


# --- devices --------------------------------------------------------------------------------


def test_registering_a_device_is_an_upsert_201_then_200(auth_client, user):
    first = auth_client.post(DEVICES, {"token": TOKEN, "platform": "android"}, format="json")
    second = auth_client.post(DEVICES, {"token": TOKEN, "platform": "ios"}, format="json")

    assert first.status_code == 201
    assert second.status_code == 200
    assert first.json()["id"] == second.json()["id"]
    assert first.json()["token_kind"] == "registration_token"
    assert second.json()["platform"] == "ios"
    assert "token" not in first.json()
    device = PushDevice.objects.get()
    assert (device.user, device.token, device.platform) == (user, TOKEN, "ios")


def test_an_installation_id_can_be_registered(auth_client, user):
    response = auth_client.post(
        DEVICES,
        {"token": "fid-cXk9", "platform": "android", "token_kind": "installation_id"},
        format="json",
    )

    assert response.status_code == 201
    assert PushDevice.objects.get().token_kind == "installation_id"


def test_a_token_registered_by_another_account_moves_to_mine(auth_client, user):
    previous_owner = UserFactory()
    PushDeviceFactory(user=previous_owner, token=TOKEN)

    response = auth_client.post(DEVICES, {"token": TOKEN, "platform": "android"}, format="json")

    assert response.status_code == 201
    assert PushDevice.objects.get(token=TOKEN).user == user
    assert not PushDevice.objects.filter(user=previous_owner).exists()


def test_only_the_most_recent_devices_are_kept(auth_client, user, settings):
    settings.KINDRED_PUSH_DEVICES_PER_USER = 2
    oldest = PushDeviceFactory(user=user)
    PushDevice.objects.filter(pk=oldest.pk).update(updated_at=timezone.now() - timedelta(days=2))
    recent = PushDeviceFactory(user=user)
    someone_elses = PushDeviceFactory()

    auth_client.post(DEVICES, {"token": TOKEN, "platform": "web"}, format="json")

    assert set(PushDevice.objects.filter(user=user).values_list("token", flat=True)) == {
        recent.token,
        TOKEN,
    }
    assert PushDevice.objects.filter(pk=someone_elses.pk).exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"platform": "android"}, "token"),
        ({"token": "", "platform": "android"}, "token"),
        ({"token": "has space", "platform": "android"}, "token"),
        ({"token": "x" * 513, "platform": "android"}, "token"),
        ({"token": TOKEN, "platform": "symbian"}, "platform"),
        ({"token": TOKEN}, "platform"),
        ({"token": TOKEN, "platform": "ios", "token_kind": "carrier-pigeon"}, "token_kind"),
    ],
)
def test_bad_device_registrations_are_400_and_store_nothing(auth_client, payload, field):
    response = auth_client.post(DEVICES, payload, format="json")

    assert response.status_code == 400
    assert field in response.json()["extra"]["fields"]
    assert not PushDevice.objects.exists()


def test_unregistering_removes_my_device(auth_client, user):
    PushDeviceFactory(user=user, token=TOKEN)
    other = PushDeviceFactory(user=user)

    response = auth_client.delete(DEVICES, {"token": TOKEN}, format="json")

    assert response.status_code == 204
    assert list(PushDevice.objects.values_list("pk", flat=True)) == [other.pk]


def test_unregistering_someone_elses_or_an_unknown_token_answers_204_and_changes_nothing(
    auth_client,
):
    theirs = PushDeviceFactory(token=TOKEN)

    for token in (TOKEN, "never-registered-token"):
        response = auth_client.delete(DEVICES, {"token": token}, format="json")
        assert response.status_code == 204
    assert PushDevice.objects.filter(pk=theirs.pk, user=theirs.user).exists()


def test_unregistering_needs_a_token(auth_client, user):
    PushDeviceFactory(user=user)

    response = auth_client.delete(DEVICES, {}, format="json")

    assert response.status_code == 400
    assert PushDevice.objects.count() == 1


def test_devices_need_authentication(api_client):
    response = api_client.post(DEVICES, {"token": TOKEN, "platform": "ios"}, format="json")

    assert response.status_code == 401
    assert not PushDevice.objects.exists()


def test_deleting_all_devices_of_a_user(user):
    PushDeviceFactory.create_batch(2, user=user)
    kept = PushDeviceFactory()

    assert push_devices_delete_for_user(user_id=user.pk) == 2
    assert list(PushDevice.objects.values_list("pk", flat=True)) == [kept.pk]


# --- preferences ----------------------------------------------------------------------------

ALL_ON = {
    "like_received": True,
    "match_created": True,
    "message_received": True,
    "moderation_notice": True,
    "export_ready": True,
    "ai_job_completed": True,
}


def test_default_preferences_are_everything_on_and_reading_writes_nothing(user):
    user.time_zone = "Europe/Paris"
    user.save(update_fields=["time_zone"])

    response = client_for(user).get(PREFERENCES)

    assert response.status_code == 200
    assert response.json() == {"kinds": ALL_ON, "quiet_hours": None, "time_zone": "Europe/Paris"}
    assert not NotificationPreference.objects.exists()


def test_switching_kinds_is_partial(auth_client, user):
    auth_client.patch(PREFERENCES, {"kinds": {"like_received": False}}, format="json")
    response = auth_client.patch(
        PREFERENCES, {"kinds": {"match_created": False, "like_received": True}}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["kinds"] == {**ALL_ON, "match_created": False}
    assert NotificationPreference.objects.get(user=user).disabled_kinds == ["match_created"]


def test_quiet_hours_are_set_kept_and_cleared(auth_client, user):
    set_response = auth_client.patch(
        PREFERENCES, {"quiet_hours": {"start": "22:00", "end": "07:00"}}, format="json"
    )
    kept = auth_client.patch(PREFERENCES, {"kinds": {"export_ready": False}}, format="json")

    assert set_response.json()["quiet_hours"] == {"start": "22:00", "end": "07:00"}
    assert kept.json()["quiet_hours"] == {"start": "22:00", "end": "07:00"}
    preference = NotificationPreference.objects.get(user=user)
    assert (preference.quiet_hours_start, preference.quiet_hours_end) == (time(22), time(7))

    cleared = auth_client.patch(PREFERENCES, {"quiet_hours": None}, format="json")

    assert cleared.json()["quiet_hours"] is None
    assert cleared.json()["kinds"]["export_ready"] is False
    preference.refresh_from_db()
    assert preference.quiet_hours_start is None
    assert preference.quiet_hours_end is None


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"kinds": {"dinner_invitation": False}}, "kinds"),
        ({"kinds": {"like_received": "sometimes"}}, "kinds"),
        ({"kinds": ["like_received"]}, "kinds"),
        ({"quiet_hours": {"start": "22:00", "end": "22:00"}}, "quiet_hours"),
        ({"quiet_hours": {"start": "25:00", "end": "07:00"}}, "quiet_hours"),
        ({"quiet_hours": {"start": "22:00"}}, "quiet_hours"),
    ],
)
def test_bad_preferences_are_400_and_change_nothing(auth_client, user, payload, field):
    NotificationPreference.objects.create(user=user, disabled_kinds=["export_ready"])

    response = auth_client.patch(PREFERENCES, payload, format="json")

    assert response.status_code == 400
    assert field in response.json()["extra"]["fields"]
    preference = NotificationPreference.objects.get(user=user)
    assert preference.disabled_kinds == ["export_ready"]
    assert preference.quiet_hours_start is None


def test_preferences_are_my_own(user):
    someone = UserFactory()
    client_for(someone).patch(PREFERENCES, {"kinds": {"like_received": False}}, format="json")

    response = client_for(user).get(PREFERENCES)

    assert response.json()["kinds"] == ALL_ON


def test_preferences_need_authentication(api_client):
    assert api_client.get(PREFERENCES).status_code == 401
    assert api_client.patch(PREFERENCES, {}, format="json").status_code == 401


@pytest.mark.django_db(transaction=True)
def test_the_same_token_registered_twice_at_once_is_stored_once():
    person = UserFactory()

    results = run_in_threads(
        lambda: push_device_register(user=person, token=TOKEN, platform="android"), 2
    )

    assert len(results) == 2
    assert PushDevice.objects.filter(token=TOKEN, user=person).count() == 1
