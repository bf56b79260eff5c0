"""The local rule-based provider and the strict output parsers."""

from typing import Any

import pytest

from ai_helpers.facts import (
    OpenerFacts,
    PersonFacts,
    ProfileAnalysisFacts,
    PromptFact,
    first_name,
)
from ai_helpers.local_provider import LocalProvider
from ai_helpers.schemas import InvalidOutput, load_object, parse_openers, parse_profile_analysis


def person(**fields: Any) -> PersonFacts:
    values: dict[str, Any] = {
        "first_name": "Sam",
        "bio": "",
        "interests": (),
        "prompts": (),
        "photo_count": 0,
        **fields,
    }
    return PersonFacts(**values)


def analysis_facts(**fields: Any) -> ProfileAnalysisFacts:
    values: dict[str, Any] = {
        "person": person(),
        "has_relationship_intent": False,
        "has_quiz": False,
        "is_verified": False,
        "missing_steps": (),
        **fields,
    }
    return ProfileAnalysisFacts(**values)


FULL = analysis_facts(
    person=person(
        bio="I restore old bicycles, bake sourdough on Sundays and never say no to a jazz gig.",
        interests=("Baking", "Cycling", "Jazz", "Chess", "Hiking"),
        prompts=tuple(PromptFact(question=f"Q{index}", answer="A") for index in range(3)),
        photo_count=5,
    ),
    has_relationship_intent=True,
    has_quiz=True,
    is_verified=True,
)


def test_a_complete_profile_scores_100_with_strengths_and_one_keep_fresh_tip():
    result = LocalProvider().profile_analysis(FULL)

    assert result["score"] == 100
    assert len(result["strengths"]) == 5
    assert [suggestion["area"] for suggestion in result["suggestions"]] == ["other"]


def test_an_empty_profile_gets_a_low_score_and_the_most_important_steps_first():
    facts = analysis_facts(missing_steps=("basics", "photos", "location", "about", "quiz"))

    result = LocalProvider().profile_analysis(facts)

    assert result["score"] == 0
    assert result["strengths"] == []
    areas = [suggestion["area"] for suggestion in result["suggestions"]]
    assert areas[:3] == ["basics", "basics", "photos"]
    assert len(areas) == 8  # capped
    assert result["suggestions"][2]["tip"].startswith("Add a photo")


def test_counts_turn_into_specific_suggestions():
    facts = analysis_facts(
        person=person(
            bio="Hi there",
            photo_count=2,
            prompts=(PromptFact(question="Q", answer="A"),),
            interests=("Chess",),
        )
    )

    tips = {s["area"]: s["tip"] for s in LocalProvider().profile_analysis(facts)["suggestions"]}

    assert tips["photos"].startswith("Add 2 more photos for at least 4")
    assert tips["bio"].startswith("Your bio is short (8 characters)")
    assert tips["prompts"].startswith("Answer 2 more prompts")
    assert tips["interests"].startswith("Pick a few more interests (you have 1)")


def test_openers_prefer_shared_interests_then_prompts_and_greet_by_first_name():
    facts = OpenerFacts(
        match=person(
            first_name="Robin",
            interests=("Cycling", "Jazz", "Chess"),
            prompts=(PromptFact(question="My ideal Sunday is", answer="Bread."),),
            bio="Hello",
        ),
        shared_interests=("Cycling", "Chess"),
    )

    assert LocalProvider().openers(facts)["openers"] == [
        "Hi Robin! You're into Cycling too! What got you started?",
        "Fellow Chess fan here: what do you love most about it?",
        "I liked your answer to “My ideal Sunday is”, what's the story behind it?",
    ]


def test_openers_for_an_empty_profile_are_still_three_different_questions():
    openers = LocalProvider().openers(OpenerFacts(match=person(first_name=""), shared_interests=()))

    assert len(set(openers["openers"])) == 3


@pytest.mark.parametrize(
    ("display_name", "expected"),
    [("Zelda Vandermolenhuizen", "Zelda"), ("  Sam  ", "Sam"), ("", ""), ("x" * 40, "x" * 30)],
)
def test_only_the_first_word_of_a_display_name_is_used(display_name, expected):
    assert first_name(display_name) == expected


def test_parsers_normalise_whitespace_and_keep_exactly_the_schema():
    assert parse_openers({"openers": ["  Hi\nthere ", "Hello", "Hey"]}) == {
        "openers": ["Hi there", "Hello", "Hey"]
    }
    analysis = {
        "score": 0,
        "summary": "ok",
        "strengths": [],
        "suggestions": [{"area": "bio", "tip": "More."}],
    }
    assert parse_profile_analysis(analysis) == analysis


@pytest.mark.parametrize("text", ["", "null", "[]", "42", '"text"', "{", '{"a": 1} extra'])
def test_only_a_single_json_object_is_accepted(text):
    with pytest.raises(InvalidOutput):
        load_object(text)


def test_the_sliding_window_also_runs_on_the_embedded_redis_stand_in(settings):
    """`make run` without Redis uses fakeredis, which runs the Lua script through lupa."""
    from ai_helpers.ratelimit import window_hit, window_release
    from core.ratelimit import Rate

    settings.REDIS_URL = ""
    decisions = [
        window_hit(scope="openers", identity="someone", member=f"job-{index}", rate=Rate(2, 60))
        for index in range(3)
    ]
    assert [decision.is_allowed for decision in decisions] == [True, True, False]
    assert 59 <= decisions[2].retry_after <= 60

    window_release(scope="openers", identity="someone", member="job-0")
    again = window_hit(scope="openers", identity="someone", member="job-3", rate=Rate(2, 60))
    assert again.is_allowed
