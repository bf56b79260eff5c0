from typing import Any

from rest_framework import serializers


def validated(
    serializer_class: type[serializers.Serializer], data: Any, **context: Any
) -> dict[str, Any]:
    """Validate `data` with an input serializer and return its clean values.

    Raises DRF's ValidationError, which the exception handler renders as 400
    `validation_error` with the fields under `extra.fields`.
    """
    serializer = serializer_class(data=data, context=context)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
