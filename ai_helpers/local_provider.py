"""The local provider: honest rule-based results when no AI service is configured (the
embedded default). Results say `"provider": "local"`.

It reads what people wrote only for its presence and length — never its content — and
quotes only catalog text (interest names, prompt questions) and the first name, so a
profile saying "ignore previous instructions" cannot change what it does. Its answers go
through the same strict parsers as a model's.
"""

from typing import Any

from ai_helpers.facts import OpenerFacts, ProfileAnalysisFacts
from ai_helpers.models import AIProviderName
from ai_helpers.schemas import (
    OPENER_COUNT,
    OPENER_MAX_LENGTH,
    STRENGTHS_MAX,
    SUGGESTIONS_MAX,
    parse_openers,
    parse_profile_analysis,
)

GOOD_BIO_LENGTH = 80
GOOD_PHOTO_COUNT = 4
GOOD_PROMPT_COUNT = 3
GOOD_INTEREST_COUNT = 5
FEW_INTERESTS = 3

# Points per part of the profile; they add up to 100.
WEIGHTS = {
    "basics": 10,
    "photos": 25,
    "bio": 15,
    "prompts": 20,
    "interests": 10,
    "quiz": 5,
    "verification": 10,
    "intent": 5,
}


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


class LocalProvider:
    name: str = AIProviderName.LOCAL
    model_name: str = "rules-v1"

    def profile_analysis(self, facts: ProfileAnalysisFacts) -> dict[str, Any]:
        person = facts.person
        photos = person.photo_count
        bio_length = len(person.bio)
        prompts = len(person.prompts)
        interests = len(person.interests)
        missing = set(facts.missing_steps)

        points = {
            "basics": WEIGHTS["basics"] * ("basics" not in missing),
            "photos": WEIGHTS["photos"] * min(photos, GOOD_PHOTO_COUNT) / GOOD_PHOTO_COUNT,
            "bio": WEIGHTS["bio"]
            * (1.0 if bio_length >= GOOD_BIO_LENGTH else 0.5 if bio_length else 0.0),
            "prompts": WEIGHTS["prompts"] * min(prompts, GOOD_PROMPT_COUNT) / GOOD_PROMPT_COUNT,
            "interests": WEIGHTS["interests"]
            * min(interests, GOOD_INTEREST_COUNT)
            / GOOD_INTEREST_COUNT,
            "quiz": WEIGHTS["quiz"] * facts.has_quiz,
            "verification": WEIGHTS["verification"] * facts.is_verified,
            "intent": WEIGHTS["intent"] * facts.has_relationship_intent,
        }
        score = round(sum(points.values()))

        suggestions: list[dict[str, str]] = []

        def suggest(area: str, tip: str) -> None:
            suggestions.append({"area": area, "tip": tip})

        if "basics" in missing:
            suggest(
                "basics",
                "Finish your basics (name, birth date and gender): until then nobody can "
                "see your profile.",
            )
        if missing & {"preferences", "location"}:
            suggest(
                "basics",
                "Set who you would like to meet and share your location, so that your "
                "profile can appear in people's decks.",
            )
        if photos == 0:
            suggest(
                "photos",
                "Add a photo: profiles without an approved photo are not shown to anyone.",
            )
        elif photos < GOOD_PHOTO_COUNT:
            suggest(
                "photos",
                f"Add {_plural(GOOD_PHOTO_COUNT - photos, 'more photo')} for at least "
                f"{GOOD_PHOTO_COUNT}, each showing a different side of you: a clear face "
                "shot, a full-length one and one doing something you love.",
            )
        if bio_length == 0:
            suggest(
                "bio",
                "Write a short bio: two or three sentences about what you enjoy and what "
                "you are looking for.",
            )
        elif bio_length < GOOD_BIO_LENGTH:
            suggest(
                "bio",
                f"Your bio is short ({bio_length} characters). Add a specific detail or two "
                "that gives people something to ask about.",
            )
        if prompts == 0:
            suggest(
                "prompts",
                "Answer a prompt or two: a specific answer is the easiest thing to reply to.",
            )
        elif prompts < GOOD_PROMPT_COUNT:
            suggest(
                "prompts",
                f"Answer {_plural(GOOD_PROMPT_COUNT - prompts, 'more prompt')}: each one "
                "gives your matches another way to start talking.",
            )
        if interests < FEW_INTERESTS:
            suggest(
                "interests",
                f"Pick a few more interests (you have {interests}) so that people can see "
                "what you have in common.",
            )
        if not facts.is_verified:
            suggest(
                "verification",
                "Verify your profile with a selfie: a verified badge tells people you are "
                "who your photos show.",
            )
        if not facts.has_relationship_intent:
            suggest("basics", "Say what you are looking for, so matches know where you stand.")
        if not facts.has_quiz:
            suggest(
                "other",
                "Take the compatibility quiz: it improves your matches and can earn badges.",
            )
        if not suggestions:
            suggest(
                "other",
                "Keep it fresh: swapping a photo or a prompt answer every few weeks gives "
                "people a new reason to say hello.",
            )

        strengths: list[str] = []
        if photos >= GOOD_PHOTO_COUNT:
            strengths.append(f"{photos} photos give people a good picture of you.")
        if bio_length >= GOOD_BIO_LENGTH:
            strengths.append("Your bio has enough detail to start a conversation.")
        if prompts >= 2:
            strengths.append(f"{prompts} prompt answers give your matches easy openers.")
        if interests >= FEW_INTERESTS:
            strengths.append(f"{interests} interests make common ground easy to find.")
        if facts.is_verified:
            strengths.append("Your profile is verified.")

        if score >= 80:
            summary = "Your profile is in great shape; a few touches could make it even better."
        elif score >= 50:
            summary = "A solid start: the suggestions below would give people more to reply to."
        else:
            summary = (
                "Your profile needs a few more pieces before it can shine; start with the "
                "first suggestions below."
            )
        return parse_profile_analysis(
            {
                "score": score,
                "summary": summary,
                "strengths": strengths[:STRENGTHS_MAX],
                "suggestions": suggestions[:SUGGESTIONS_MAX],
            }
        )

    def openers(self, facts: OpenerFacts) -> dict[str, Any]:
        match = facts.match
        candidates: list[str] = []
        shared_templates = (
            "You're into {} too! What got you started?",
            "Fellow {} fan here: what do you love most about it?",
        )
        for template, interest in zip(shared_templates, facts.shared_interests, strict=False):
            candidates.append(template.format(interest))
        prompt_templates = (
            "I liked your answer to “{}”, what's the story behind it?",
            "Your answer to “{}” made me curious: tell me more?",
        )
        for template, prompt in zip(prompt_templates, match.prompts, strict=False):
            candidates.append(template.format(prompt.question))
        for interest in match.interests:
            if interest not in facts.shared_interests:
                candidates.append(f"I see you're into {interest}. How did that start?")
                break
        if match.bio:
            candidates.append(
                "Your bio made me want to know more: what's something it doesn't say about you?"
            )
        candidates += [
            "What's been the highlight of your week so far?",
            "If you could plan a perfect Saturday in your town, what would it look like?",
            "What's something you're looking forward to this month?",
        ]

        openers: list[str] = []
        for candidate in candidates:
            if candidate.casefold() not in {opener.casefold() for opener in openers}:
                openers.append(candidate[:OPENER_MAX_LENGTH])
            if len(openers) == OPENER_COUNT:
                break
        if match.first_name:
            greeting = f"Hi {match.first_name}! {openers[0]}"
            if len(greeting) <= OPENER_MAX_LENGTH:
                openers[0] = greeting
        return parse_openers({"openers": openers})
