import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from config.celery import app
from core.exceptions import NotFound, ValidationFailed
from core.testing import run_in_threads
from discovery.models import Pass
from discovery.pass_services import pass_create, pass_undo_last, passes_expire
from discovery.pass_tasks import expire_passes_task
from discovery.visibility import candidates_for
from profiles.models import Profile
from profiles.tests.factories import PARIS, make_complete


@pytest.fixture
def viewer(user):
    return make_complete(user, point=PARIS, gender="man", interested_in=["woman"])


def woman(**fields) -> Profile:
    return make_complete(gender="woman", interested_in=["man"], **fields)


def age_pass(row: Pass, days: float) -> None:
    Pass.objects.filter(pk=row.pk).update(created_at=timezone.now() - timedelta(days=days))


@pytest.mark.django_db
def test_a_pass_hides_the_profile(viewer):
    other = woman()

    row = pass_create(actor=viewer.user, target_id=other.pk)

    assert (row.actor_id, row.target_id) == (viewer.pk, other.pk)
    assert not candidates_for(viewer).filter(pk=other.pk).exists()


@pytest.mark.django_db
def test_passing_again_restarts_the_cooldown_on_the_same_row(viewer):
    other = woman()
    first = pass_create(actor=viewer.user, target_id=other.pk)
    age_pass(first, days=10)

    again = pass_create(actor=viewer.user, target_id=other.pk)

    assert again.pk == first.pk
    assert timezone.now() - again.created_at < timedelta(minutes=1)
    assert Pass.objects.count() == 1


@pytest.mark.django_db
def test_passing_myself_is_refused_and_records_nothing(viewer):
    with pytest.raises(ValidationFailed) as caught:
        pass_create(actor=viewer.user, target_id=viewer.pk)

    assert caught.value.code == "cannot_pass_self"
    assert not Pass.objects.exists()


@pytest.mark.django_db
def test_passing_an_unknown_or_hidden_profile_is_404(viewer):
    paused = woman(is_paused=True)

    for target_id in (uuid.uuid4(), paused.pk):
        with pytest.raises(NotFound):
            pass_create(actor=viewer.user, target_id=target_id)
    assert not Pass.objects.exists()


@pytest.mark.django_db
def test_undo_removes_my_latest_pass_each_once(viewer):
    first, second = woman(), woman()
    older = pass_create(actor=viewer.user, target_id=first.pk)
    age_pass(older, days=1)
    latest = pass_create(actor=viewer.user, target_id=second.pk)
    someone = make_complete(gender="man", interested_in=["woman"])
    theirs = pass_create(actor=someone.user, target_id=first.pk)

    assert pass_undo_last(actor=viewer.user).pk == latest.pk
    assert pass_undo_last(actor=viewer.user).pk == older.pk
    assert pass_undo_last(actor=viewer.user) is None
    assert list(Pass.objects.values_list("pk", flat=True)) == [theirs.pk]
    assert candidates_for(viewer).filter(pk=second.pk).exists()


@pytest.mark.django_db
def test_undo_ignores_passes_past_the_cooldown(viewer, settings):
    old = pass_create(actor=viewer.user, target_id=woman().pk)
    age_pass(old, days=settings.KINDRED_PASS_COOLDOWN_DAYS + 1)

    assert pass_undo_last(actor=viewer.user) is None
    assert Pass.objects.filter(pk=old.pk).exists()


@pytest.mark.django_db
def test_expiry_deletes_only_passes_past_the_cooldown_in_batches(viewer, settings):
    cooldown = settings.KINDRED_PASS_COOLDOWN_DAYS
    expired = []
    for _ in range(5):
        row = pass_create(actor=viewer.user, target_id=woman().pk)
        age_pass(row, days=cooldown + 1)
        expired.append(row)
    recent = pass_create(actor=viewer.user, target_id=woman().pk)
    age_pass(recent, days=cooldown - 1)

    assert passes_expire(batch_size=2) == 5
    assert list(Pass.objects.values_list("pk", flat=True)) == [recent.pk]
    assert passes_expire(batch_size=2) == 0


@pytest.mark.django_db
def test_expiry_task_uses_its_name_and_is_scheduled(viewer, settings):
    settings.KINDRED_PASS_EXPIRY_BATCH_SIZE = 1
    row = pass_create(actor=viewer.user, target_id=woman().pk)
    age_pass(row, days=settings.KINDRED_PASS_COOLDOWN_DAYS + 1)

    assert expire_passes_task() == 1
    assert not Pass.objects.exists()
    assert expire_passes_task.name == "discovery.expire_passes"
    assert app.conf.beat_schedule["discovery.expire_passes"]["task"] == "discovery.expire_passes"


@pytest.mark.django_db(transaction=True)
def test_simultaneous_passes_on_one_profile_leave_one_row(user):
    viewer = make_complete(user, point=PARIS, gender="man", interested_in=["woman"])
    other = woman()

    results = run_in_threads(lambda: pass_create(actor=viewer.user, target_id=other.pk), 2)

    assert results[0].pk == results[1].pk
    assert Pass.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_simultaneous_undos_undo_each_pass_once(user):
    viewer = make_complete(user, point=PARIS, gender="man", interested_in=["woman"])
    older = pass_create(actor=viewer.user, target_id=woman().pk)
    age_pass(older, days=1)
    latest = pass_create(actor=viewer.user, target_id=woman().pk)

    results = run_in_threads(lambda: pass_undo_last(actor=viewer.user), 2)

    # Two concurrent undos act like two in a row: the latest, then the one before; never
    # the same pass twice.
    assert sorted(str(result.pk) for result in results if result is not None) == sorted(
        [str(latest.pk), str(older.pk)]
    )
    assert not Pass.objects.exists()
