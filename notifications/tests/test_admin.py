import pytest
from django.test import Client

from accounts.tests.factories import UserFactory
from notifications.tests.factories import NotificationFactory, PushDeviceFactory

pytestmark = pytest.mark.django_db

NOTIFICATIONS = "/admin/notifications/notification/"
DEVICES = "/admin/notifications/pushdevice/"


@pytest.fixture
def staff_client() -> Client:
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_staff_see_notifications_and_filter_by_kind(staff_client):
    NotificationFactory(title="A like for you", kind="like_received")
    NotificationFactory(title="Your export is ready", kind="export_ready")

    page = staff_client.get(NOTIFICATIONS, {"kind__exact": "export_ready"})

    assert page.status_code == 200
    assert "Your export is ready" in page.content.decode()
    assert "A like for you" not in page.content.decode()


def test_notifications_are_read_only_in_the_admin(staff_client):
    notification = NotificationFactory(title="Original")

    assert staff_client.get(f"{NOTIFICATIONS}add/").status_code == 403
    detail = staff_client.get(f"{NOTIFICATIONS}{notification.pk}/change/")
    assert detail.status_code == 200
    assert 'name="title"' not in detail.content.decode()  # no editable field
    staff_client.post(f"{NOTIFICATIONS}{notification.pk}/change/", {"title": "Edited"})
    assert staff_client.post(f"{NOTIFICATIONS}{notification.pk}/delete/").status_code == 403
    notification.refresh_from_db()
    assert notification.title == "Original"


def test_device_tokens_are_shortened_in_the_admin(staff_client):
    device = PushDeviceFactory(token="secret-part-of-the-token-ABCDEFGH")

    page = staff_client.get(DEVICES).content.decode()

    assert "…ABCDEFGH" in page
    assert device.token not in page


def test_people_without_staff_status_are_sent_to_the_login(db):
    client = Client()
    client.force_login(UserFactory())

    response = client.get(NOTIFICATIONS)

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
