from datetime import date
from uuid import UUID

import pytest
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from accounts.tests.factories import UserFactory
from discovery.models import Pass
from discovery.sql import where_sql
from discovery.visibility import (
    _exclusion_conditions,
    _own_conditions,
    _template_of,
    birth_date_window,
    candidates_for,
    own_conditions_sql,
    viewer_can_see,
    visibility_sql,
)
from matching.models import Like
from profiles.models import Profile
from profiles.tests.factories import make_complete

pytestmark = pytest.mark.django_db


def test_birth_date_window_is_inclusive_of_both_ages():
    earliest, latest = birth_date_window(25, 30, today=date(2026, 6, 15))

    assert latest == date(2001, 6, 15)  # turns 25 today
    assert earliest == date(1995, 6, 16)  # turns 31 tomorrow, so still 30


def test_preferences_must_fit_both_ways():
    me = make_complete(gender="man", interested_in=["woman"], birth_date=date(1990, 1, 1))
    fits = make_complete(gender="woman", interested_in=["man"], birth_date=date(1992, 1, 1))
    wrong_gender = make_complete(gender="nonbinary", interested_in=["man"])
    not_into_me = make_complete(gender="woman", interested_in=["woman"])
    too_old_for_her = make_complete(
        gender="woman", interested_in=["man"], birth_date=date(1992, 1, 1), age_max=30
    )
    Profile.objects.filter(pk=too_old_for_her.pk).update(age_min=18, age_max=30)

    ids = set(candidates_for(me).values_list("pk", flat=True))

    assert ids == {fits.pk}
    assert wrong_gender.pk not in ids
    assert not_into_me.pk not in ids


def test_undiscoverable_incognito_and_passed_profiles_are_left_out():
    me = make_complete(gender="man", interested_in=["woman"])
    paused = make_complete(gender="woman", interested_in=["man"], is_paused=True)
    incognito = make_complete(gender="woman", interested_in=["man"], is_incognito=True)
    passed = make_complete(gender="woman", interested_in=["man"])
    visible = make_complete(gender="woman", interested_in=["man"])
    Pass.objects.create(actor=me.user, target=passed.user)

    ids = set(candidates_for(me).values_list("pk", flat=True))

    assert ids == {visible.pk}
    assert paused.pk not in ids
    assert incognito.pk not in ids


def test_verified_only_wishes_apply_both_ways():
    me = make_complete(gender="man", interested_in=["woman"])
    picky = make_complete(gender="woman", interested_in=["man"], wants_verified_only=True)
    easy = make_complete(gender="woman", interested_in=["man"])

    assert set(candidates_for(me).values_list("pk", flat=True)) == {easy.pk}
    Profile.objects.filter(pk=me.pk).update(is_verified=True)
    me.refresh_from_db()
    assert set(candidates_for(me).values_list("pk", flat=True)) == {easy.pk, picky.pk}


def test_nobody_sees_themselves():
    me = make_complete(gender="woman", interested_in=["woman"])

    assert not candidates_for(me).filter(pk=me.pk).exists()
    assert UserFactory()  # other accounts without profiles do not break the query


def test_incognito_people_are_seen_only_by_the_people_they_liked():
    me = make_complete(gender="man", interested_in=["woman"])
    someone_else = make_complete(gender="man", interested_in=["woman"])
    liked_me = make_complete(gender="woman", interested_in=["man"], is_incognito=True)
    liked_someone_else = make_complete(gender="woman", interested_in=["man"], is_incognito=True)
    paused_but_liked_me = make_complete(
        gender="woman", interested_in=["man"], is_incognito=True, is_paused=True
    )
    Like.objects.create(actor=liked_me.user, target=me.user)
    Like.objects.create(actor=paused_but_liked_me.user, target=me.user)
    Like.objects.create(actor=liked_someone_else.user, target=someone_else.user)

    mine = set(candidates_for(me).values_list("pk", flat=True))
    theirs = set(candidates_for(someone_else).values_list("pk", flat=True))

    assert mine == {liked_me.pk}
    assert theirs == {liked_someone_else.pk}
    assert viewer_can_see(me, liked_me.pk)
    assert not viewer_can_see(me, liked_someone_else.pk)


def test_an_incognito_liker_is_still_subject_to_every_other_filter():
    me = make_complete(gender="man", interested_in=["woman"])
    not_into_men = make_complete(gender="woman", interested_in=["woman"], is_incognito=True)
    passed = make_complete(gender="woman", interested_in=["man"], is_incognito=True)
    for liker in (not_into_men, passed):
        Like.objects.create(actor=liker.user, target=me.user)
    Pass.objects.create(actor=me.user, target=passed.user)

    assert not candidates_for(me).exists()


def _ids_from_sql(viewer):
    sql, params = visibility_sql(viewer).visible()
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT "profiles_profile"."user_id" FROM "profiles_profile" WHERE {sql}', params
        )
        return {row[0] for row in cursor.fetchall()}


def test_the_compiled_rules_select_what_candidates_for_selects_and_see_later_changes():
    me = make_complete(gender="man", interested_in=["woman"], birth_date=date(1990, 1, 1))
    fits = make_complete(gender="woman", interested_in=["man"])
    later_passed = make_complete(gender="woman", interested_in=["man"])
    make_complete(gender="woman", interested_in=["man"], is_incognito=True)
    liked_me = make_complete(gender="woman", interested_in=["man"], is_incognito=True)
    Like.objects.create(actor=liked_me.user, target=me.user)
    make_complete(gender="woman", interested_in=["woman"])
    passed = make_complete(gender="woman", interested_in=["man"])
    Pass.objects.create(actor=me.user, target=passed.user)

    assert _ids_from_sql(me) == set(candidates_for(me).values_list("pk", flat=True))
    assert _ids_from_sql(me) == {fits.pk, later_passed.pk, liked_me.pk}

    # The compiled SQL is kept, but it holds subqueries: a pass made since counts at once.
    Pass.objects.create(actor=me.user, target=later_passed.user)
    assert visibility_sql(me) is visibility_sql(me)
    assert _ids_from_sql(me) == {fits.pk, liked_me.pk}
    # My own preferences are part of the key: changing them compiles afresh.
    Profile.objects.filter(pk=me.pk).update(interested_in=["man"])
    me.refresh_from_db()
    assert _ids_from_sql(me) == set()


@pytest.mark.parametrize(
    "viewer_fields",
    [
        {"gender": "man", "interested_in": ["woman"], "birth_date": date(1990, 1, 1)},
        {"gender": "woman", "interested_in": ["man", "woman", "nonbinary"]},
        {"gender": "woman", "interested_in": ["man"], "wants_verified_only": True},
        {"gender": "nonbinary", "interested_in": ["woman", "nonbinary"], "is_verified": True},
    ],
)
def test_own_conditions_sql_selects_what_the_orm_condition_selects(viewer_fields):
    verified = viewer_fields.pop("is_verified", False)
    me = make_complete(**viewer_fields)
    Profile.objects.filter(pk=me.pk).update(is_verified=verified, birth_date=me.birth_date)
    me.refresh_from_db()
    for gender in ("man", "woman", "nonbinary"):
        for wanted in (["man"], ["woman"], ["woman", "nonbinary"]):
            make_complete(gender=gender, interested_in=wanted, birth_date=date(1991, 5, 5))
    picky = make_complete(gender="man", interested_in=["woman"], wants_verified_only=True)
    easy = make_complete(gender="man", interested_in=["woman"], birth_date=date(1991, 5, 5))
    Profile.objects.filter(pk__in=[picky.pk, easy.pk]).update(is_verified=True)
    make_complete(gender="man", interested_in=["woman"], birth_date=date(1960, 1, 1))
    make_complete(gender="woman", interested_in=["man"], is_paused=True)
    today = timezone.localdate()

    sql, params = own_conditions_sql(me, today)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT user_id FROM profiles_profile WHERE {sql}", params)
        from_sql = {row[0] for row in cursor.fetchall()}

    expected = set(Profile.objects.filter(_own_conditions(me, today)).values_list("pk", flat=True))
    assert from_sql == expected
    assert expected  # the case selects someone


def test_provider_conditions_compile_once_and_take_each_viewers_id():
    first = make_complete(gender="man", interested_in=["woman"])
    second = make_complete(gender="man", interested_in=["woman"])
    passed_by_first = make_complete(gender="woman", interested_in=["man"])
    Pass.objects.create(actor=first.user, target=passed_by_first.user)

    for viewer in (first, second):
        _sql, params = visibility_sql(viewer).shared
        own = own_conditions_sql(viewer, timezone.localdate())[1]
        # After the viewer's own rules, the same values as compiling the exclusions for this
        # viewer: their id filled in.
        excluded = Profile.objects.filter(_exclusion_conditions(viewer.pk))
        assert params == [*own, *where_sql(excluded)[1]]
    assert _ids_from_sql(first) == set()
    assert _ids_from_sql(second) == {passed_by_first.pk}


def test_a_condition_that_depends_on_more_than_the_id_gets_no_template():
    by_id = _template_of(lambda viewer_id: Q(pk=viewer_id) | Q(user__email="a@example.com"))
    assert by_id is not None
    assert by_id.for_viewer(UUID(int=7))[1] == [UUID(int=7), "a@example.com"]

    assert _template_of(lambda viewer_id: Q(display_name=str(viewer_id))) is None
    assert _template_of(lambda viewer_id: Q(pk=viewer_id, created_at__lt=timezone.now())) is None
