"""What a provider must answer, as a JSON schema (sent to the model as its structured
output format) and as a strict parser (applied to whatever came back).

The parser trusts nothing: the answer must be one JSON object with exactly the expected
keys, types, counts and lengths, or it is `InvalidOutput` and the job fails. Servers that
ignore the response format, truncated answers and chatty models all end there.
"""

import json
from typing import Any

SUGGESTION_AREAS = ("basics", "photos", "bio", "prompts", "interests", "verification", "other")
SUGGESTION_AREA_CHOICES = [(area, area) for area in SUGGESTION_AREAS]
OPENER_COUNT = 3
OPENER_MAX_LENGTH = 200
SUMMARY_MAX_LENGTH = 400
STRENGTH_MAX_LENGTH = 200
STRENGTHS_MAX = 5
SUGGESTION_MAX_LENGTH = 300
SUGGESTIONS_MIN = 1
SUGGESTIONS_MAX = 8


class InvalidOutput(Exception):
    """The provider's answer is not what the schema asks for."""


def _string(max_length: int) -> dict[str, Any]:
    return {"type": "string", "minLength": 1, "maxLength": max_length}


PROFILE_ANALYSIS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["score", "summary", "strengths", "suggestions"],
    "properties": {
        "score": {"type": "integer", "minimum": 0, "maximum": 100},
        "summary": _string(SUMMARY_MAX_LENGTH),
        "strengths": {
            "type": "array",
            "maxItems": STRENGTHS_MAX,
            "items": _string(STRENGTH_MAX_LENGTH),
        },
        "suggestions": {
            "type": "array",
            "minItems": SUGGESTIONS_MIN,
            "maxItems": SUGGESTIONS_MAX,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["area", "tip"],
                "properties": {
                    "area": {"type": "string", "enum": list(SUGGESTION_AREAS)},
                    "tip": _string(SUGGESTION_MAX_LENGTH),
                },
            },
        },
    },
}

OPENERS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["openers"],
    "properties": {
        "openers": {
            "type": "array",
            "minItems": OPENER_COUNT,
            "maxItems": OPENER_COUNT,
            "items": _string(OPENER_MAX_LENGTH),
        }
    },
}


def load_object(text: str | None) -> dict[str, Any]:
    """One JSON object, nothing around it."""
    if not text:
        raise InvalidOutput("empty answer")
    try:
        value = json.loads(text)
    except ValueError as error:
        raise InvalidOutput(f"not JSON: {error}") from None
    if not isinstance(value, dict):
        raise InvalidOutput("not a JSON object")
    return value


def _exact_keys(value: dict[str, Any], keys: set[str], where: str) -> None:
    if set(value) != keys:
        raise InvalidOutput(f"{where}: expected keys {sorted(keys)}, got {sorted(value)}")


def _text(value: object, max_length: int, where: str) -> str:
    if not isinstance(value, str):
        raise InvalidOutput(f"{where}: not a string")
    text = " ".join(value.split())
    if not text or len(text) > max_length:
        raise InvalidOutput(f"{where}: length {len(text)} outside 1–{max_length}")
    return text


def _list(value: object, minimum: int, maximum: int, where: str) -> list[Any]:
    if not isinstance(value, list) or not minimum <= len(value) <= maximum:
        raise InvalidOutput(f"{where}: expected a list of {minimum}–{maximum} items")
    return value


def parse_profile_analysis(value: dict[str, Any]) -> dict[str, Any]:
    _exact_keys(value, {"score", "summary", "strengths", "suggestions"}, "analysis")
    score = value["score"]
    # bool is an int in Python; a JSON `true` is not a score.
    if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 100:
        raise InvalidOutput("score: not an integer 0–100")
    strengths = [
        _text(item, STRENGTH_MAX_LENGTH, "strength")
        for item in _list(value["strengths"], 0, STRENGTHS_MAX, "strengths")
    ]
    suggestions = []
    for item in _list(value["suggestions"], SUGGESTIONS_MIN, SUGGESTIONS_MAX, "suggestions"):
        if not isinstance(item, dict):
            raise InvalidOutput("suggestion: not an object")
        _exact_keys(item, {"area", "tip"}, "suggestion")
        if item["area"] not in SUGGESTION_AREAS:
            raise InvalidOutput(f"suggestion: unknown area {item['area']!r}")
        suggestions.append(
            {"area": item["area"], "tip": _text(item["tip"], SUGGESTION_MAX_LENGTH, "tip")}
        )
    return {
        "score": score,
        "summary": _text(value["summary"], SUMMARY_MAX_LENGTH, "summary"),
        "strengths": strengths,
        "suggestions": suggestions,
    }


def parse_openers(value: dict[str, Any]) -> dict[str, Any]:
    _exact_keys(value, {"openers"}, "openers")
    openers = [
        _text(item, OPENER_MAX_LENGTH, "opener")
        for item in _list(value["openers"], OPENER_COUNT, OPENER_COUNT, "openers")
    ]
    if len({opener.casefold() for opener in openers}) != OPENER_COUNT:
        raise InvalidOutput("openers: not all different")
    return {"openers": openers}
