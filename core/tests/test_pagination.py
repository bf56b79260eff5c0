import pytest
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("core.tests.urls")]


def test_limit_is_capped_at_the_maximum_page_size(settings):
    settings.KINDRED_MAX_PAGE_SIZE = 3
    UserFactory.create_batch(5)

    body = APIClient().get("/api/v1/test/users?limit=1000").json()

    assert len(body["results"]) == 3
    assert body["next"] is not None


def test_cursor_walks_every_row_once():
    users = UserFactory.create_batch(5)

    seen: list[str] = []
    url: str | None = "/api/v1/test/users?limit=2"
    while url:
        body = APIClient().get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]

    assert sorted(seen) == sorted(str(user.id) for user in users)
    assert len(seen) == 5


@pytest.mark.parametrize("limit", ["0", "-4", "abc"])
def test_nonsense_limits_still_give_a_page(limit):
    UserFactory.create_batch(2)

    response = APIClient().get(f"/api/v1/test/users?limit={limit}")

    assert response.status_code == 200
    assert 1 <= len(response.json()["results"]) <= 2


def test_a_forged_cursor_is_a_404_in_the_error_shape():
    response = APIClient().get("/api/v1/test/users?cursor=garbage")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
