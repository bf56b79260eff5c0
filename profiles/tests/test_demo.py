import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from accounts.demo import DEMO_ADMIN_EMAIL, DEMO_MODERATOR_EMAIL
from accounts.models import User
from profiles.models import ModerationState, PhotoStatus, Profile

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_admin_moderator_and_people_once(settings, capsys):
    settings.DEBUG = True

    call_command("seed_demo", users=3)
    first = capsys.readouterr().out
    call_command("seed_demo", users=3)
    second = capsys.readouterr().out

    admin = User.objects.get(email=DEMO_ADMIN_EMAIL)
    assert admin.is_superuser
    assert User.objects.get(email=DEMO_MODERATOR_EMAIL).groups.filter(name="Moderators").exists()
    assert User.objects.filter(email__startswith="demo").count() == 3
    assert "shown only once" in first
    password = first.split(f"{DEMO_ADMIN_EMAIL} / ")[1].split()[0]
    assert admin.check_password(password)
    assert password not in second
    assert "(0 new, 0 profiles completed)" in second


def test_seed_demo_completes_realistic_profiles(settings):
    settings.DEBUG = True

    call_command("seed_demo", users=3)

    profiles = Profile.objects.filter(user__email__startswith="demo")
    assert profiles.count() == 3
    for profile in profiles:
        assert profile.is_complete
        assert profile.traits is not None
        assert profile.interests.count() == 5
        assert profile.prompt_answers.count() == 2
        photos = list(profile.photos.all())
        assert len(photos) == 2
        assert all(photo.status == PhotoStatus.READY for photo in photos)
        assert all(photo.moderation_state == ModerationState.APPROVED for photo in photos)
        assert all(default_storage.exists(photo.renditions["small"]) for photo in photos)
    assert len({profile.city for profile in profiles}) == 3


def test_seed_demo_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError):
        call_command("seed_demo", users=1)
    assert not User.objects.exists()
