from datetime import date

import pytest

from accounts.tests.factories import UserFactory
from discovery.models import Pass
from discovery.visibility import birth_date_window, candidates_for
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
