"""Demo profiles: realistic people across a few cities, with generated photos, prompt
answers and quiz answers, so that a newcomer sees full profiles (and, later, a deck) at once.

Deterministic (seeded by the person's number) and idempotent: a profile already complete
is left alone.
"""

import io
import random
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from accounts.models import User
from profiles.models import (
    Diet,
    Education,
    Frequency,
    Gender,
    Interest,
    ModerationState,
    Profile,
    Prompt,
    QuizQuestion,
    RelationshipIntent,
)
from profiles.photo_services import photo_process, photo_set_moderation_state, photo_upload
from profiles.prompt_services import prompt_answer_create
from profiles.quiz_services import quiz_submit
from profiles.services import profile_refresh_completion, profile_set_location, profile_update

CITIES: list[tuple[str, float, float]] = [
    ("Paris", 48.8566, 2.3522),
    ("Lyon", 45.7640, 4.8357),
    ("London", 51.5072, -0.1276),
    ("Mumbai", 19.0760, 72.8777),
    ("Bengaluru", 12.9716, 77.5946),
    ("New York", 40.7128, -74.0060),
]
NAMES = {
    Gender.WOMAN: [
        "Ada",
        "Priya",
        "Chloé",
        "Maya",
        "Zoe",
        "Ananya",
        "Léa",
        "Grace",
        "Ines",
        "Noor",
    ],
    Gender.MAN: ["Arjun", "Louis", "Sam", "Omar", "Hugo", "Rohan", "Theo", "Kwame", "Marco", "Ben"],
    Gender.NONBINARY: ["Alex", "Robin", "Charlie", "Kai", "Sasha"],
}
BIOS = [
    "Weekend hiker, weekday spreadsheet wrangler. Looking for someone to split dumplings with.",
    "Amateur baker, professional overthinker. Will send you memes at 2am.",
    "I collect vinyl and bad puns. Ask me about my sourdough starter, Gerald.",
    "Nurse by day, salsa dancer by night. Kindness is my love language.",
    "Moved here for work, stayed for the food. Show me your favourite street stall?",
    "Bookshop regular, museum wanderer, terrible at karaoke but I commit.",
    "Cycling to the coast is my idea of a perfect Saturday.",
    "Engineer who paints. Looking for long conversations and longer walks.",
]
PROMPT_ANSWERS = [
    "A slow breakfast, a long walk and a film I have already seen twice.",
    "Someone who laughs at their own jokes before the punchline.",
    "Teaching my grandmother to send voice notes. She now sends forty a day.",
    "Whoever finds the best chai in the city buys the next round.",
    "Getting lost in a new city without a map, on purpose.",
]
PALETTE = [(231, 111, 81), (42, 157, 143), (233, 196, 106), (38, 70, 83), (244, 162, 97)]


@dataclass(frozen=True)
class DemoPerson:
    number: int
    display_name: str
    gender: str
    interested_in: list[str]
    birth_date: date
    city: str
    latitude: float
    longitude: float
    bio: str


def demo_person(number: int) -> DemoPerson:
    """The same number always gives the same person."""
    rng = random.Random(number)
    gender = rng.choices([Gender.WOMAN, Gender.MAN, Gender.NONBINARY], weights=[45, 45, 10])[0]
    if gender == Gender.NONBINARY:
        interested_in = [Gender.WOMAN, Gender.MAN, Gender.NONBINARY]
    else:
        opposite = Gender.MAN if gender == Gender.WOMAN else Gender.WOMAN
        interested_in = [opposite] if rng.random() < 0.85 else [Gender.WOMAN, Gender.MAN]
    city, latitude, longitude = CITIES[number % len(CITIES)]
    return DemoPerson(
        number=number,
        display_name=rng.choice(NAMES[gender]),
        gender=gender,
        interested_in=list(interested_in),
        birth_date=date(rng.randint(1972, 2004), rng.randint(1, 12), rng.randint(1, 28)),
        city=city,
        # Spread people over ~15 km around the centre.
        latitude=latitude + rng.uniform(-0.1, 0.1),
        longitude=longitude + rng.uniform(-0.1, 0.1),
        bio=rng.choice(BIOS),
    )


def demo_photo_bytes(person: DemoPerson, index: int) -> bytes:
    """A generated portrait-shaped JPEG: a two-colour gradient with a few shapes."""
    rng = random.Random(person.number * 10 + index)
    top, bottom = rng.sample(PALETTE, 2)
    image = Image.new("RGB", (640, 800), top)
    draw = ImageDraw.Draw(image)
    for row in range(800):
        mix = row / 799
        colour = tuple(round(a * (1 - mix) + b * mix) for a, b in zip(top, bottom, strict=True))
        draw.line([(0, row), (640, row)], fill=colour)
    for _ in range(3):
        x, y, radius = rng.randint(80, 560), rng.randint(80, 720), rng.randint(30, 120)
        draw.ellipse(
            [x - radius, y - radius, x + radius, y + radius], outline=(255, 255, 255), width=6
        )
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def demo_profile_fields(person: DemoPerson) -> dict[str, object]:
    rng = random.Random(person.number + 1000)
    return {
        "display_name": person.display_name,
        "birth_date": person.birth_date,
        "gender": person.gender,
        "interested_in": person.interested_in,
        "age_min": 18 + rng.randint(0, 12),
        "age_max": 40 + rng.randint(0, 20),
        "max_distance_km": rng.choice([10, 25, 50, 100]),
        "bio": person.bio,
        "height_cm": rng.randint(155, 195),
        "relationship_intent": rng.choice(RelationshipIntent.values),
        "languages": rng.sample(["en", "fr", "hi", "kn", "mr", "es"], k=2),
        "education": rng.choice(Education.values),
        "diet": rng.choice(Diet.values),
        "smoking": rng.choice([Frequency.NEVER, Frequency.NEVER, Frequency.SOMETIMES]),
        "drinking": rng.choice(Frequency.values),
    }


def demo_choices(person: DemoPerson) -> tuple[list[str], list[tuple[str, str]], dict[str, str]]:
    """Interests (slugs), prompt answers (prompt id, text) and quiz answers
    (question id → option id), picked deterministically from the seeded catalogs."""
    rng = random.Random(person.number + 2000)
    slugs = list(Interest.objects.filter(is_active=True).values_list("slug", flat=True))
    interests = rng.sample(slugs, k=min(5, len(slugs)))
    prompts = list(Prompt.objects.filter(is_active=True).values_list("id", flat=True))
    answers = [
        (str(prompt_id), rng.choice(PROMPT_ANSWERS))
        for prompt_id in rng.sample(prompts, k=min(2, len(prompts)))
    ]
    quiz = {
        str(question.id): str(rng.choice(list(question.options.all())).id)
        for question in QuizQuestion.objects.filter(is_active=True).prefetch_related("options")
    }
    return interests, answers, quiz


def demo_people(user_count: int) -> list[tuple[User, DemoPerson]]:
    users = {user.email: user for user in User.objects.filter(email__startswith="demo")}
    people = []
    for number in range(1, user_count + 1):
        user = users.get(f"demo{number}@kindred.local")
        if user is not None:
            people.append((user, demo_person(number)))
    return people


def profile_is_seeded(user: User) -> bool:
    return Profile.objects.filter(pk=user.pk, is_complete=True).exists()


def demo_seed_profiles(*, user_count: int) -> int:
    """Fill in the demo people's profiles through the same services the API uses: basics,
    location, two generated photos (processed and approved), interests, prompt answers and
    the quiz. Returns how many profiles were completed by this call."""
    completed = 0
    for user, person in demo_people(user_count):
        if profile_is_seeded(user):
            continue
        interests, prompt_answers, quiz = demo_choices(person)
        profile_update(user=user, data={**demo_profile_fields(person), "interests": interests})
        profile_set_location(
            user=user, latitude=person.latitude, longitude=person.longitude, city=person.city
        )
        for index in range(2):
            upload = SimpleUploadedFile(
                f"demo-{index}.jpg", demo_photo_bytes(person, index), content_type="image/jpeg"
            )
            photo = photo_upload(user=user, image=upload)
            photo_process(photo_id=photo.pk)
            photo_set_moderation_state(photo_id=photo.pk, state=ModerationState.APPROVED)
        for prompt_id, answer in prompt_answers:
            prompt_answer_create(user=user, prompt_id=UUID(prompt_id), answer=answer)
        if quiz:
            quiz_submit(
                user=user,
                answers=[
                    {"question_id": UUID(question), "option_id": UUID(option)}
                    for question, option in quiz.items()
                ],
            )
        # Photo approval refreshes it after commit; inside an outer transaction, do it now.
        profile_refresh_completion(profile_id=user.pk)
        completed += profile_is_seeded(user)
    return completed
