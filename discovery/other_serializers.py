"""Shapes of the search, picks, shortlist and compatibility endpoints. Every person is shown as
the public card of `profiles.public` (distance as a bucket, never coordinates or birth date)."""

from rest_framework import serializers

from profiles.public import PublicProfileOutput


class SearchPageOutput(serializers.Serializer):
    results = PublicProfileOutput(many=True)
    next = serializers.URLField(allow_null=True, help_text="The next page, or null at the end.")
    previous = serializers.URLField(
        allow_null=True, help_text="Always null: search pages forward only."
    )


class PickCompatibilityOutput(serializers.Serializer):
    score = serializers.IntegerField(min_value=0, max_value=100)
    reasons = serializers.ListField(child=serializers.CharField())


class PickOutput(serializers.Serializer):
    profile = PublicProfileOutput()
    compatibility = PickCompatibilityOutput()


class PicksOutput(serializers.Serializer):
    date = serializers.DateField(help_text="The day these picks are for, in your time zone.")
    results = PickOutput(many=True)


class ShortlistInput(serializers.Serializer):
    profile_id = serializers.UUIDField()


class ShortlistEntryOutput(serializers.Serializer):
    profile = PublicProfileOutput()
    saved_at = serializers.DateTimeField()


class ShortlistPageOutput(serializers.Serializer):
    results = ShortlistEntryOutput(many=True)
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)


class TraitComparisonOutput(serializers.Serializer):
    # The API's key is "label"; the metaclass pops declared fields, so Field.label is unharmed.
    label = serializers.ChoiceField(  # type: ignore[assignment]
        choices=["aligned", "similar", "different", "opposite"]
    )
    difference = serializers.IntegerField(min_value=0, max_value=100)


class CompatibilityOutput(serializers.Serializer):
    profile_id = serializers.UUIDField()
    score = serializers.IntegerField(min_value=0, max_value=100)
    traits = serializers.DictField(
        child=TraitComparisonOutput(), help_text="Per quiz trait, by trait name."
    )
    reasons = serializers.ListField(
        child=serializers.CharField(), help_text='A few "why you might click" lines.'
    )
