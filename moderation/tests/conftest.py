"""Fixtures of moderation's tests: moderators in the real `Moderators` group, and people
with complete profiles."""

import importlib

import pytest
from django.contrib.auth.models import Group, Permission
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tests.factories import UserFactory
from accounts.tokens import token_pair_for_user
from profiles.models import Profile
from profiles.tests.factories import PARIS, PARIS_MONTMARTRE, make_complete

_GRANTS = importlib.import_module("moderation.migrations.0004_moderators_permissions")


def moderators_group() -> Group:
    """The group as migrations leave it (recreated after transactional flushes)."""
    group, _ = Group.objects.get_or_create(name="Moderators")
    for app_label, codename in [("accounts", "view_user"), *_GRANTS.PERMISSIONS]:
        group.permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return group


def make_moderator(email: str) -> User:
    moderator = UserFactory(email=email, is_staff=True)
    moderator.groups.add(moderators_group())
    return User.objects.get(pk=moderator.pk)  # fresh permission cache


def client_for(user: User) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_pair_for_user(user).access}")
    return client


@pytest.fixture
def moderator(db) -> User:  # type: ignore[no-untyped-def]
    return make_moderator("moderator.one@example.com")


@pytest.fixture
def second_moderator(db) -> User:  # type: ignore[no-untyped-def]
    return make_moderator("moderator.two@example.com")


@pytest.fixture
def member(user) -> Profile:  # type: ignore[no-untyped-def]
    """The signed-in person (`auth_client`), a man looking for women, in Paris."""
    return make_complete(user, point=PARIS, gender="man", interested_in=["woman"])


@pytest.fixture
def other(db) -> Profile:  # type: ignore[no-untyped-def]
    """Someone `member` may see: a woman looking for men, a few km away."""
    return make_complete(
        UserFactory(email="other.person@example.com"),
        point=PARIS_MONTMARTRE,
        gender="woman",
        interested_in=["man"],
        bio="Ask me about my plants",
    )
