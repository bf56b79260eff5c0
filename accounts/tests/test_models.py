import pytest
from django.contrib.auth.models import Group
from django.db import IntegrityError, connection

from accounts.models import User
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_user_ids_are_uuids():
    user = UserFactory()

    assert len(str(user.id)) == 36


def test_create_user_normalizes_the_email():
    user = User.objects.create_user("  Mixed.Case@Example.COM ", "lovelace-1815")

    assert user.email == "mixed.case@example.com"
    assert User.objects.get_by_natural_key("MIXED.case@example.com") == user


def test_database_refuses_an_email_that_is_not_lowercase():
    UserFactory(email="ada@example.com")

    with pytest.raises(IntegrityError), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO accounts_user (id, email, password, is_superuser, is_active, is_staff,"
            " date_joined, time_zone, token_version)"
            " VALUES (gen_random_uuid(), 'ADA@example.com', '', false, true, false, now(),"
            " 'UTC', 0)"
        )


def test_two_accounts_without_phone_are_allowed_but_phones_are_unique():
    UserFactory(phone=None)
    UserFactory(phone=None)
    UserFactory(phone="+14155550123")

    with pytest.raises(IntegrityError):
        UserFactory(phone="+14155550123")


def test_moderators_group_exists_with_view_user_permission():
    group = Group.objects.get(name="Moderators")

    codenames = set(group.permissions.values_list("content_type__app_label", "codename"))
    assert ("accounts", "view_user") in codenames
    assert ("accounts", "change_user") not in codenames
