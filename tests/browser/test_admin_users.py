"""The moderators' console (Django admin) user list, in a real browser against a live server.

Each test signs in through the admin's own login form, as a person would. The live server
answers from another thread, so these tests use the transactional database: what the test
creates must be committed for the server to see it.
"""

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, Permission
from playwright.sync_api import Page

from accounts.tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

PASSWORD = "correct-horse-42"
USER_LIST = "/admin/accounts/user/"


def sign_in(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/admin/login/?next=/admin/")
    page.fill("#id_username", email)  # the admin's form calls it username; ours is the email
    page.fill("#id_password", PASSWORD)
    page.click("#login-form input[type=submit]")
    page.wait_for_url(f"{base_url}/admin/")


def listed_emails(page: Page) -> list[str]:
    return page.locator("#result_list tbody .field-email").all_inner_texts()


def search(page: Page, term: str) -> None:
    page.fill("#searchbar", term)
    page.click("#changelist-search input[type=submit]")
    page.wait_for_url(re.compile(r"[?&]q="))


def test_admin_user_list_shows_search_and_filters(page: Page, live_server, tmp_path: Path) -> None:
    admin = UserFactory(email="root@example.com", is_staff=True, is_superuser=True)
    alice = UserFactory(email="alice.walker@example.com", phone="+14155550123")
    bob = UserFactory(email="bob.stone@example.com")
    carol = UserFactory(email="carol.inactive@example.com", is_active=False)

    sign_in(page, live_server.url, admin.email)
    page.goto(f"{live_server.url}{USER_LIST}")

    assert page.locator("#site-name").inner_text() == "Kindred moderation console"
    assert sorted(listed_emails(page)) == sorted([admin.email, alice.email, bob.email, carol.email])
    alice_row = page.locator("#result_list tbody tr", has_text=alice.email)
    assert "+14155550123" in alice_row.inner_text()
    page.screenshot(path=str(tmp_path / "admin-user-changelist.png"), full_page=True)

    search(page, "alice.walk")
    assert listed_emails(page) == [alice.email]

    search(page, "4155550123")
    assert listed_emails(page) == [alice.email]

    page.goto(f"{live_server.url}{USER_LIST}")
    page.locator("#changelist-filter a[href*='is_active__exact=0']").click()
    page.wait_for_url(re.compile(r"[?&]is_active__exact=0"))
    assert listed_emails(page) == [carol.email]


def test_staff_without_permissions_cannot_open_user_admin(page: Page, live_server) -> None:
    staff = UserFactory(email="staff.nobody@example.com", is_staff=True)
    others = [UserFactory(email="dana@example.com"), UserFactory(email="erin@example.com")]

    sign_in(page, live_server.url, staff.email)
    assert "have permission to view or edit anything" in page.locator("#content").inner_text()

    response = page.goto(f"{live_server.url}{USER_LIST}")
    assert response is not None
    assert response.status == 403
    assert page.locator("#result_list").count() == 0
    body = page.content()
    assert "403 forbidden" in body.lower()  # the admin keeps HTML error pages
    for other in others:
        assert other.email not in body


def test_moderator_group_can_view_but_not_edit_users(page: Page, live_server) -> None:
    # The group comes from accounts' 0002 migration, but transactional tests flush every
    # table after each test (permissions are re-created, groups are not): make sure of it.
    moderators, _ = Group.objects.get_or_create(name="Moderators")
    moderators.permissions.add(
        Permission.objects.get(content_type__app_label="accounts", codename="view_user")
    )
    moderator = UserFactory(email="mod@example.com", is_staff=True)
    moderator.groups.add(moderators)
    member = UserFactory(email="frank@example.com", phone="+14155550199")

    sign_in(page, live_server.url, moderator.email)
    page.goto(f"{live_server.url}{USER_LIST}")
    assert member.email in listed_emails(page)
    assert page.get_by_role("link", name=re.compile("Add user", re.I)).count() == 0
    assert page.locator("select[name=action]").count() == 0  # no bulk actions either

    page.locator("#result_list tbody .field-email a", has_text=member.email).click()
    page.wait_for_url(f"{live_server.url}{USER_LIST}{member.pk}/change/")
    content = page.locator("#content")
    assert "View user" in content.locator("h1").inner_text()
    assert member.email in content.inner_text()
    assert page.locator("input[name=_save], input[name=_continue]").count() == 0
    assert page.get_by_role("button", name=re.compile("Save", re.I)).count() == 0
    for name in ("email", "password", "is_staff", "is_superuser", "is_active", "groups"):
        assert page.locator(f"[name={name}]").count() == 0, f"{name} is editable"
    assert page.locator(".field-is_staff .readonly").count() == 1
    assert page.locator(".field-password .readonly").count() == 1
