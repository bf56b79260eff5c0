import pytest
from django.core.management import CommandError, call_command

from accounts.demo import DEMO_ADMIN_EMAIL, DEMO_MODERATOR_EMAIL
from accounts.models import User

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
    assert "(0 new)" in second


def test_seed_demo_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError):
        call_command("seed_demo", users=1)
    assert not User.objects.exists()
