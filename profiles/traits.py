"""The six quiz traits, in the order of `Profile.traits`."""

TRAITS: tuple[str, ...] = (
    "adventure",
    "social_energy",
    "planning",
    "emotional_openness",
    "independence",
    "communication",
)

TRAIT_LABELS: dict[str, str] = {
    "adventure": "Adventure",
    "social_energy": "Social energy",
    "planning": "Planning",
    "emotional_openness": "Emotional openness",
    "independence": "Independence",
    "communication": "Communication",
}
