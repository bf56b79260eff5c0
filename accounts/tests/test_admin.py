import pytest
from django.test import Client

from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

USERS = "/admin/accounts/user/"


@pytest.fixture
def admin_client_logged_in() -> Client:
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_user_admin_searches_by_email_and_phone(admin_client_logged_in):
    UserFactory(email="findme@example.com")
    UserFactory(email="other@example.com", phone="+14155550123")

    by_email = admin_client_logged_in.get(USERS, {"q": "findme"}).content.decode()
    by_phone = admin_client_logged_in.get(USERS, {"q": "+1415555"}).content.decode()

    assert "findme@example.com" in by_email
    assert "other@example.com" not in by_email
    assert "other@example.com" in by_phone
    assert "findme@example.com" not in by_phone


def test_user_admin_filters_inactive_users(admin_client_logged_in):
    UserFactory(email="gone@example.com", is_active=False)
    UserFactory(email="here@example.com")

    page = admin_client_logged_in.get(USERS, {"is_active__exact": "0"}).content.decode()

    assert "gone@example.com" in page
    assert "here@example.com" not in page


def test_admin_can_create_a_user_with_email_and_password(admin_client_logged_in):
    response = admin_client_logged_in.post(
        "/admin/accounts/user/add/",
        {
            "email": "New@Example.com",
            "password1": "lovelace-1815",
            "password2": "lovelace-1815",
            "usable_password": "true",
        },
    )

    assert response.status_code == 302
    from accounts.models import User

    assert User.objects.get(email="new@example.com").check_password("lovelace-1815")


def test_admin_refuses_a_duplicate_email_in_another_case(admin_client_logged_in):
    UserFactory(email="taken@example.com")

    response = admin_client_logged_in.post(
        "/admin/accounts/user/add/",
        {
            "email": "TAKEN@example.com",
            "password1": "lovelace-1815",
            "password2": "lovelace-1815",
            "usable_password": "true",
        },
    )

    assert response.status_code == 200
    assert "email" in response.context["adminform"].form.errors
