"""core.db.get_by_key: written-out SQL instead of an ORM query compiled per call (every
request's user and profile, every deck build's profile), so it must load exactly what the
ORM would."""

import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from accounts.tests.factories import UserFactory
from core.db import compact_sql, get_by_key
from profiles.models import Profile

pytestmark = pytest.mark.django_db


def _values(instance) -> dict:
    return {
        field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields
    }


def test_the_user_and_profile_are_what_select_related_loads_in_one_query():
    user = UserFactory(time_zone="Europe/Paris")
    Profile.objects.filter(pk=user.pk).update(
        display_name="Noor", languages=["fr", "ar"], interested_in=["man", "woman"]
    )
    expected = User.objects.select_related("profile").get(pk=user.pk)

    with CaptureQueriesContext(connection) as queries:
        loaded = get_by_key(User, str(user.pk), relations=("profile",))
        profile = loaded.profile

    assert len(queries) == 1
    assert _values(loaded) == _values(expected)
    assert _values(profile) == _values(expected.profile)
    assert profile.user is loaded  # the reverse side is cached too, as select_related does
    assert loaded._state.adding is False
    assert profile._state.adding is False


def test_a_user_without_a_profile_loads_and_the_profile_is_looked_up_on_access():
    user = UserFactory()
    Profile.objects.filter(pk=user.pk).delete()

    loaded = get_by_key(User, user.pk, relations=("profile",))

    assert loaded.pk == user.pk
    with pytest.raises(Profile.DoesNotExist):
        _ = loaded.profile


def test_unknown_and_malformed_keys_are_refused_before_or_by_the_query():
    with pytest.raises(User.DoesNotExist):
        get_by_key(User, uuid.uuid4(), relations=("profile",))
    with pytest.raises(ValidationError):
        get_by_key(User, "not-a-uuid", relations=("profile",))
    with pytest.raises(ValueError, match="not a reverse one-to-one"):
        get_by_key(User, uuid.uuid4(), relations=("groups",))


def test_a_profile_alone_is_what_the_orm_loads():
    user = UserFactory()
    Profile.objects.filter(pk=user.pk).update(display_name="Ana", traits=[10, 20, 30, 40, 50])

    loaded = get_by_key(Profile, user.pk)

    assert _values(loaded) == _values(Profile.objects.get(pk=user.pk))
    with pytest.raises(Profile.DoesNotExist):
        get_by_key(Profile, uuid.uuid4())


def test_compact_sql_drops_comments_and_runs_of_whitespace_and_still_runs():
    sql = """
        SELECT 1 AS one,  -- the first
               %s::int   AS two
        WHERE ''  = ''     -- empty literals are kept
    """

    assert compact_sql(sql) == "SELECT 1 AS one, %s::int AS two WHERE '' = ''"
    with connection.cursor() as cursor:
        cursor.execute(compact_sql(sql), [2])
        assert cursor.fetchone() == (1, 2)
