"""The direct read of a like's body and the direct rendering of a like agree with the
serializers that document them (LikeInput, LikeOutput)."""

import uuid

import pytest
from django.http import QueryDict
from rest_framework.exceptions import ValidationError

from core.validation import validated
from matching.serializers import LikeInput, LikeOutput, like_body, like_input
from matching.tests.factories import person

TARGET = "8c7d3c1e-61a1-4bd6-9a62-3b5f0e5e1a01"
OTHER = "2f0e3a9b-7c55-4f39-b0a6-9f4b8c1d2e03"

WELL_FORMED = [
    {"target_id": TARGET},
    {"target_id": TARGET, "comment": "Nice smile"},
    {"target_id": TARGET, "comment": "  padded  "},
    {"target_id": TARGET, "comment": ""},
    {"target_id": TARGET.upper(), "comment": "é ✓ 🙂"},
    {"target_id": TARGET.replace("-", "")},
    {"target_id": "{" + TARGET + "}"},
    {"target_id": TARGET, "photo_id": OTHER},
    {"target_id": TARGET, "prompt_id": OTHER, "comment": "Same!"},
    {"target_id": TARGET, "photo_id": None, "prompt_id": None},
    {"target_id": TARGET, "comment": "x" * 300},
    {"target_id": TARGET, "comment": "  " + "x" * 300 + "  "},  # the limit counts trimmed
    {"target_id": TARGET, "comment": "line one\nline two"},
]

OTHERWISE = [
    {},
    {"comment": "no target"},
    {"target_id": None},
    {"target_id": ""},
    {"target_id": "not-a-uuid"},
    {"target_id": 12345},
    {"target_id": [TARGET]},
    {"target_id": TARGET, "comment": None},
    {"target_id": TARGET, "comment": 42},
    {"target_id": TARGET, "comment": "x" * 301},
    {"target_id": TARGET, "comment": "null\x00char"},
    {"target_id": TARGET, "comment": "surrogate \ud800"},
    {"target_id": TARGET, "photo_id": OTHER, "prompt_id": OTHER},
    {"target_id": TARGET, "photo_id": ""},
    {"target_id": TARGET, "unknown": 1},
    [TARGET],
    "target_id",
]


def serializer_result(data):
    try:
        return validated(LikeInput, data)
    except ValidationError as error:
        return ("invalid", error.detail)


@pytest.mark.parametrize("data", WELL_FORMED)
def test_a_well_formed_body_is_read_directly_as_the_serializer_validates_it(data):
    direct = like_input(data)

    assert direct is not None
    assert direct == serializer_result(data)


@pytest.mark.parametrize("data", OTHERWISE)
def test_any_other_body_is_left_to_the_serializer(data):
    assert like_input(data) is None


def test_a_form_body_with_a_target_reads_as_the_serializer_reads_it():
    form = QueryDict(f"target_id={TARGET}&comment=hi")

    assert like_input(form) == serializer_result(form)


@pytest.mark.django_db
@pytest.mark.parametrize("on", ["nothing", "photo", "prompt"])
def test_a_like_renders_as_its_serializer_renders_it(on):
    from matching.models import Like

    like = Like.objects.create(
        actor=person(),
        target=person(),
        comment="Hello there",
        photo_id=None,
        prompt_id=None,
    )
    if on != "nothing":  # ids as they come back from the statement (no row needed to render)
        setattr(like, f"{on}_id", uuid.uuid4())

    assert like_body(like) == LikeOutput(like).data
