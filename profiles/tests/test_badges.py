from collections.abc import Callable

import pytest

from accounts.tests.factories import UserFactory
from profiles.badges import BadgeFacts, badges_earned, badges_refresh
from profiles.models import ModerationState, Photo, Profile, ProfileBadge, PromptAnswer
from profiles.quiz_tasks import refresh_badges_task
from profiles.tests.quiz_factories import PromptAnswerFactory

pytestmark = pytest.mark.django_db

BADGES = "/api/v1/profile/badges"
LONG = "y" * 80


def traits(**scores: int) -> list[int]:
    base = {
        "adventure": 50,
        "social_energy": 50,
        "planning": 50,
        "emotional_openness": 50,
        "independence": 50,
        "communication": 50,
    }
    return list({**base, **scores}.values())


def update(profile: Profile, **fields: object) -> None:
    Profile.objects.filter(pk=profile.pk).update(**fields)


def answers(profile: Profile, *texts: str) -> list[PromptAnswer]:
    return [
        PromptAnswerFactory(profile=profile, position=position, answer=text)
        for position, text in enumerate(texts)
    ]


def photos(profile: Profile, *states: str) -> list[Photo]:
    return [
        Photo.objects.create(
            profile=profile,
            position=position,
            moderation_state=state,
            original=f"photos/{profile.pk}/{position}/original",
        )
        for position, state in enumerate(states)
    ]


def held(profile: Profile) -> list[str]:
    return list(ProfileBadge.objects.filter(profile=profile).values_list("code", flat=True))


APPROVED = ModerationState.APPROVED


def earn_verified(profile: Profile) -> None:
    update(profile, is_verified=True)


def lose_verified(profile: Profile) -> None:
    update(profile, is_verified=False)


def earn_great_communicator(profile: Profile) -> None:
    update(profile, traits=traits(communication=75))
    answers(profile, "one", "two")


def lose_great_communicator(profile: Profile) -> None:
    PromptAnswer.objects.filter(profile=profile, position=1).delete()


def earn_adventurer(profile: Profile) -> None:
    update(profile, traits=traits(adventure=75))


def lose_adventurer(profile: Profile) -> None:
    update(profile, traits=traits(adventure=74))


def earn_planner(profile: Profile) -> None:
    update(profile, traits=traits(planning=75))


def lose_planner(profile: Profile) -> None:
    update(profile, traits=None)


def earn_photogenic(profile: Profile) -> None:
    photos(profile, APPROVED, APPROVED, APPROVED, APPROVED, ModerationState.PENDING)


def lose_photogenic(profile: Profile) -> None:
    Photo.objects.filter(profile=profile, position=0).update(
        moderation_state=ModerationState.REJECTED
    )


def earn_complete_profile(profile: Profile) -> None:
    update(profile, is_complete=True, bio="Tea, trains and terrible puns.")
    answers(profile, "short")


def lose_complete_profile(profile: Profile) -> None:
    update(profile, bio="   ")


def earn_storyteller(profile: Profile) -> None:
    answers(profile, LONG, LONG, LONG)


def lose_storyteller(profile: Profile) -> None:
    PromptAnswer.objects.filter(profile=profile, position=2).update(answer="y" * 79)


RULES: list[tuple[str, Callable[[Profile], None], Callable[[Profile], None]]] = [
    ("verified", earn_verified, lose_verified),
    ("great_communicator", earn_great_communicator, lose_great_communicator),
    ("adventurer", earn_adventurer, lose_adventurer),
    ("planner", earn_planner, lose_planner),
    ("photogenic", earn_photogenic, lose_photogenic),
    ("complete_profile", earn_complete_profile, lose_complete_profile),
    ("storyteller", earn_storyteller, lose_storyteller),
]


@pytest.mark.parametrize(("code", "earn", "lose"), RULES, ids=[rule[0] for rule in RULES])
def test_each_badge_is_awarded_when_earned_and_revoked_when_lost(code, earn, lose):
    profile = UserFactory().profile
    assert badges_refresh(profile_id=profile.pk).held == frozenset()

    earn(profile)
    awarded = badges_refresh(profile_id=profile.pk)

    assert (awarded.awarded, awarded.revoked) == ({code}, set())
    assert held(profile) == [code]

    lose(profile)
    revoked = badges_refresh(profile_id=profile.pk)

    assert (revoked.awarded, revoked.revoked, revoked.held) == (set(), {code}, set())
    assert held(profile) == []


def test_refreshing_again_changes_nothing_and_keeps_the_award_time():
    profile = UserFactory().profile
    earn_adventurer(profile)
    earn_verified(profile)
    badges_refresh(profile_id=profile.pk)
    before = list(ProfileBadge.objects.filter(profile=profile).values_list("pk", "created_at"))

    again = badges_refresh(profile_id=profile.pk)

    assert (again.awarded, again.revoked, again.held) == (set(), set(), {"adventurer", "verified"})
    assert list(ProfileBadge.objects.filter(profile=profile).values_list("pk", "created_at")) == (
        before
    )


def test_refresh_touches_only_its_own_profile():
    mine = UserFactory().profile
    theirs = UserFactory().profile
    earn_verified(theirs)
    badges_refresh(profile_id=theirs.pk)

    badges_refresh(profile_id=mine.pk)

    assert held(theirs) == ["verified"]
    assert held(mine) == []


def test_the_task_refreshes_and_returns_the_codes_held():
    profile = UserFactory().profile
    earn_planner(profile)
    earn_adventurer(profile)  # replaces planning 75 with 50

    assert refresh_badges_task(str(profile.pk)) == ["adventurer"]
    assert refresh_badges_task(str(profile.pk)) == ["adventurer"]
    assert held(profile) == ["adventurer"]


def test_the_task_for_a_deleted_profile_does_nothing():
    assert refresh_badges_task("00000000-0000-4000-8000-000000000000") == []


# --- the rules' boundaries (pure) -------------------------------------------------------------


def facts(**overrides: object) -> BadgeFacts:
    values: dict = {
        "is_verified": False,
        "is_complete": False,
        "has_bio": False,
        "traits": None,
        "prompt_answer_lengths": (),
        "approved_photos": 0,
    }
    return BadgeFacts(**{**values, **overrides})


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({}, set()),
        ({"traits": {"communication": 90}, "prompt_answer_lengths": (5,)}, set()),
        ({"traits": {"communication": 74}, "prompt_answer_lengths": (5, 5)}, set()),
        (
            {"traits": {"communication": 75}, "prompt_answer_lengths": (5, 5)},
            {"great_communicator"},
        ),
        ({"approved_photos": 3}, set()),
        ({"approved_photos": 6}, {"photogenic"}),
        ({"is_complete": True, "has_bio": True}, set()),
        ({"is_complete": False, "has_bio": True, "prompt_answer_lengths": (5,)}, set()),
        (
            {"is_complete": True, "has_bio": True, "prompt_answer_lengths": (5,)},
            {"complete_profile"},
        ),
        ({"prompt_answer_lengths": (80, 80)}, set()),
        ({"prompt_answer_lengths": (80, 80, 79)}, set()),
        ({"prompt_answer_lengths": (80, 300, 81)}, {"storyteller"}),
        (
            {"traits": {"adventure": 100, "planning": 100}, "is_verified": True},
            {"adventurer", "planner", "verified"},
        ),
    ],
)
def test_rule_boundaries(overrides, expected):
    assert badges_earned(facts(**overrides)) == expected


def test_storyteller_counts_trimmed_length():
    profile = UserFactory().profile
    answers(profile, LONG, LONG, " " * 10 + "y" * 79)

    assert "storyteller" not in badges_refresh(profile_id=profile.pk).held


# --- GET /profile/badges ----------------------------------------------------------------------


def test_own_badges_are_listed_with_labels_and_award_times(user, auth_client):
    earn_verified(user.profile)
    earn_adventurer(user.profile)
    badges_refresh(profile_id=user.pk)
    ProfileBadge.objects.create(profile=UserFactory().profile, code="planner")
    stored = {badge.code: badge for badge in ProfileBadge.objects.filter(profile_id=user.pk)}

    response = auth_client.get(BADGES)

    assert response.status_code == 200
    assert response.json() == {
        "results": [
            {
                "code": code,
                "label": label,
                "awarded_at": stored[code].created_at.isoformat().replace("+00:00", "Z"),
            }
            for code, label in [("adventurer", "Adventurer"), ("verified", "Verified")]
        ],
        "next": None,
    }


@pytest.mark.parametrize("count", [1, 7])
def test_own_badges_take_the_same_queries_for_one_and_all(
    user, auth_client, django_assert_num_queries, count
):
    codes = [
        "adventurer",
        "complete_profile",
        "great_communicator",
        "photogenic",
        "planner",
        "storyteller",
        "verified",
    ]
    for code in codes[:count]:
        ProfileBadge.objects.create(profile=user.profile, code=code)
    auth_client.get(BADGES)

    # The user, the badges.
    with django_assert_num_queries(2):
        response = auth_client.get(BADGES)

    assert [item["code"] for item in response.json()["results"]] == codes[:count]


def test_badges_require_authentication(api_client):
    assert api_client.get(BADGES).status_code == 401
