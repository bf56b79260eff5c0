"""The AI jobs in the moderators' console: read-only, results for superusers only."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from accounts.tests.factories import UserFactory
from ai_helpers.models import AIJob, AIJobStatus
from ai_helpers.tests.factories import make_job

pytestmark = pytest.mark.django_db

JOBS = "/admin/ai_helpers/aijob/"
SECRET_OPENER = "Your sourdough starter has a name, right?"


def logged_in(*, is_superuser: bool) -> Client:
    staff = UserFactory(is_staff=True, is_superuser=is_superuser)
    if not is_superuser:
        staff.groups.add(Group.objects.get(name="Moderators"))
    client = Client()
    client.force_login(staff)
    return client


@pytest.fixture
def job() -> AIJob:
    return make_job(
        UserFactory(),
        status=AIJobStatus.SUCCEEDED,
        provider="openai",
        result={"openers": [SECRET_OPENER]},
        error_code="",
    )


def test_moderators_see_jobs_but_not_their_results(job):
    client = logged_in(is_superuser=False)

    listing = client.get(JOBS)
    detail = client.get(f"{JOBS}{job.pk}/change/")

    assert listing.status_code == 200
    assert str(job.pk) in listing.content.decode()
    assert detail.status_code == 200
    page = detail.content.decode()
    assert "succeeded" in page.lower()
    assert "sourdough" not in page


def test_superusers_also_see_results(job):
    page = logged_in(is_superuser=True).get(f"{JOBS}{job.pk}/change/").content.decode()

    assert "sourdough" in page


@pytest.mark.parametrize("is_superuser", [False, True])
def test_nobody_adds_edits_or_deletes_jobs_in_the_console(job, is_superuser):
    client = logged_in(is_superuser=is_superuser)

    add = client.get(f"{JOBS}add/")
    edit = client.post(f"{JOBS}{job.pk}/change/", {"status": "failed"})
    delete = client.post(f"{JOBS}{job.pk}/delete/", {"post": "yes"})

    assert add.status_code == 403
    assert edit.status_code == 403
    assert delete.status_code == 403
    job.refresh_from_db()
    assert job.status == AIJobStatus.SUCCEEDED


def test_staff_outside_the_moderators_group_see_no_jobs(job):
    staff = UserFactory(is_staff=True)
    client = Client()
    client.force_login(staff)

    assert client.get(JOBS).status_code == 403


@pytest.mark.parametrize("query", ["not-an-id", "person", ""])
def test_the_job_list_search_never_fails(job, query):
    response = logged_in(is_superuser=True).get(JOBS, {"q": query})

    assert response.status_code == 200


def test_the_job_list_finds_jobs_by_id_and_by_the_requester_s_email(job):
    client = logged_in(is_superuser=True)
    other = make_job(UserFactory(email="someone-else@example.com"))

    by_id = client.get(JOBS, {"q": str(job.pk)}).content.decode()
    by_email = client.get(JOBS, {"q": "someone-else@"}).content.decode()

    assert str(job.pk) in by_id
    assert str(other.pk) not in by_id
    assert str(other.pk) in by_email
    assert str(job.pk) not in by_email
