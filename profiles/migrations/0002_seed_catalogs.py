"""Seed the catalogs: interests, prompts and the six-question quiz.

Idempotent (update_or_create keyed on slug / text / position), so running it again restores
the seeded values. The reverse removes the seeded rows that nobody uses yet: it never takes
a prompt, interest or question away from people who answered or picked it.
"""

from django.db import migrations

INTERESTS: dict[str, list[tuple[str, str]]] = {
    "Outdoors": [
        ("hiking", "Hiking"),
        ("camping", "Camping"),
        ("climbing", "Climbing"),
        ("cycling", "Cycling"),
        ("gardening", "Gardening"),
        ("beach-days", "Beach days"),
    ],
    "Food & drink": [
        ("cooking", "Cooking"),
        ("baking", "Baking"),
        ("coffee", "Coffee"),
        ("wine", "Wine"),
        ("street-food", "Street food"),
        ("vegan-food", "Vegan food"),
    ],
    "Arts & culture": [
        ("museums", "Museums"),
        ("theatre", "Theatre"),
        ("photography", "Photography"),
        ("painting", "Painting"),
        ("reading", "Reading"),
        ("writing", "Writing"),
        ("film", "Film"),
    ],
    "Music": [
        ("live-music", "Live music"),
        ("festivals", "Festivals"),
        ("singing", "Singing"),
        ("playing-an-instrument", "Playing an instrument"),
        ("dancing", "Dancing"),
    ],
    "Sports & fitness": [
        ("running", "Running"),
        ("yoga", "Yoga"),
        ("gym", "Gym"),
        ("swimming", "Swimming"),
        ("football", "Football"),
        ("cricket", "Cricket"),
        ("tennis", "Tennis"),
    ],
    "Games & tech": [
        ("video-games", "Video games"),
        ("board-games", "Board games"),
        ("technology", "Technology"),
        ("podcasts", "Podcasts"),
    ],
    "Lifestyle": [
        ("travel", "Travel"),
        ("pets", "Pets"),
        ("meditation", "Meditation"),
        ("fashion", "Fashion"),
    ],
    "Causes": [
        ("volunteering", "Volunteering"),
        ("environment", "Environment"),
        ("mental-health", "Mental health awareness"),
    ],
}

PROMPTS: dict[str, list[str]] = {
    "About me": [
        "My ideal Sunday is…",
        "I'm weirdly attracted to…",
        "The way to win me over is…",
        "A random fact I love is…",
        "I geek out on…",
        "My simple pleasures are…",
    ],
    "Dating": [
        "We'll get along if…",
        "My most irrational fear is…",
        "The best first date I can imagine is…",
        "I'm looking for someone who…",
        "Green flags I look for…",
        "Together we could…",
    ],
    "Fun": [
        "Two truths and a lie…",
        "My go-to karaoke song is…",
        "The last trip I took was…",
        "I'll fall for you if you…",
    ],
    "Values": [
        "I value…",
        "Something I'm working on is…",
        "A life goal of mine is…",
        "The key to my heart is…",
    ],
}

# (position, text, [(option text, trait_weights), ...]); weights move the six traits of
# profiles.traits.TRAITS, from -2 to 2.
QUIZ: list[tuple[int, str, list[tuple[str, dict[str, int]]]]] = [
    (
        1,
        "It's Saturday and nothing is planned. What do you do?",
        [
            (
                "Book a last-minute trip somewhere new",
                {"adventure": 2, "planning": -2, "independence": 1},
            ),
            ("Round up friends for a big day out", {"social_energy": 2, "adventure": 1}),
            ("Work through my weekend to-do list", {"planning": 2, "adventure": -1}),
            (
                "Stay in with a book or a film",
                {"social_energy": -2, "adventure": -1, "independence": 1},
            ),
        ],
    ),
    (
        2,
        "A friend is hurt by something you said. You…",
        [
            (
                "Call them right away and talk it through",
                {"communication": 2, "emotional_openness": 1},
            ),
            ("Write them a heartfelt message", {"communication": 1, "emotional_openness": 2}),
            (
                "Give it a few days to blow over",
                {"communication": -2, "emotional_openness": -1, "independence": 1},
            ),
        ],
    ),
    (
        3,
        "How do you plan a holiday?",
        [
            ("Spreadsheet, bookings and a day-by-day plan", {"planning": 2, "adventure": -1}),
            ("Flights and a bed; the rest on the go", {"adventure": 1}),
            ("One-way ticket, we'll see", {"planning": -2, "adventure": 2}),
            ("Whatever my travel partner prefers", {"independence": -2, "social_energy": 1}),
        ],
    ),
    (
        4,
        "After a long week you recharge by…",
        [
            ("Going out: the more people the better", {"social_energy": 2}),
            ("Dinner with one or two close friends", {"social_energy": 1, "emotional_openness": 1}),
            ("Time alone doing my own thing", {"social_energy": -2, "independence": 2}),
            ("Trying something I've never done", {"adventure": 2, "planning": -1}),
        ],
    ),
    (
        5,
        "In a relationship, your ideal rhythm is…",
        [
            (
                "Texting all day, sharing everything",
                {"communication": 2, "independence": -2, "emotional_openness": 1},
            ),
            ("A proper catch-up every evening", {"communication": 1, "planning": 1}),
            (
                "Plenty of my own time; quality over quantity",
                {"independence": 2, "communication": -1},
            ),
        ],
    ),
    (
        6,
        "When something bothers you, you…",
        [
            ("Say so straight away", {"communication": 2, "emotional_openness": 1}),
            ("Think it over first, then share", {"emotional_openness": 1, "planning": 1}),
            (
                "Keep it to myself and handle it",
                {"emotional_openness": -2, "independence": 2, "communication": -1},
            ),
            ("Talk it out with friends first", {"social_energy": 1, "emotional_openness": 2}),
        ],
    ),
]


def seed(apps, schema_editor):
    Interest = apps.get_model("profiles", "Interest")
    Prompt = apps.get_model("profiles", "Prompt")
    QuizQuestion = apps.get_model("profiles", "QuizQuestion")
    QuizOption = apps.get_model("profiles", "QuizOption")

    for category, interests in INTERESTS.items():
        for slug, name in interests:
            Interest.objects.update_or_create(
                slug=slug, defaults={"name": name, "category": category, "is_active": True}
            )
    for category, texts in PROMPTS.items():
        for text in texts:
            Prompt.objects.update_or_create(
                text=text, defaults={"category": category, "is_active": True}
            )
    for position, text, options in QUIZ:
        question, _ = QuizQuestion.objects.update_or_create(
            position=position, defaults={"text": text, "is_active": True}
        )
        for option_position, (option_text, weights) in enumerate(options, start=1):
            QuizOption.objects.update_or_create(
                question=question,
                position=option_position,
                defaults={"text": option_text, "trait_weights": weights},
            )


def unseed(apps, schema_editor):
    Interest = apps.get_model("profiles", "Interest")
    Prompt = apps.get_model("profiles", "Prompt")
    QuizQuestion = apps.get_model("profiles", "QuizQuestion")

    slugs = [slug for interests in INTERESTS.values() for slug, _ in interests]
    Interest.objects.filter(slug__in=slugs, profiles__isnull=True).delete()
    texts = [text for texts in PROMPTS.values() for text in texts]
    Prompt.objects.filter(text__in=texts, answers__isnull=True).delete()
    positions = [position for position, _, _ in QUIZ]
    QuizQuestion.objects.filter(position__in=positions, answers__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("profiles", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
