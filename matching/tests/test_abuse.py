"""Abuse signals on likes: flags for moderators and a slow-down, and the admin console."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.tests.factories import UserFactory
from matching.models import AbuseFlag, AbuseKind, Like, LikeQuota, Match, MatchState
from matching.tests.factories import make_match, set_quota
from moderation.models import AuditAction, AuditEntry

pytestmark = pytest.mark.django_db

LIKES = "/api/v1/matching/likes"


@pytest.fixture
def burst_of_five(settings):
    settings.KINDRED_LIKE_BURST = "5/60"


def test_five_likes_within_a_minute_raise_a_flag_and_slow_me_down(
    me, auth_client, make_person, burst_of_five, settings
):
    targets = [make_person() for _ in range(6)]

    statuses = [
        auth_client.post(LIKES, {"target_id": str(target.pk)}).status_code for target in targets[:5]
    ]
    refused = auth_client.post(LIKES, {"target_id": str(targets[5].pk)})

    assert statuses == [201] * 5  # the fifth is kept; what follows waits
    assert refused.status_code == 429
    assert refused.json()["code"] == "like_rate_limited"
    retry_after = int(refused.headers["Retry-After"])
    cooldown = settings.KINDRED_LIKE_ABUSE_COOLDOWN_SECONDS
    assert cooldown - 5 <= retry_after <= cooldown + 1
    assert Like.objects.filter(actor=me).count() == 5
    assert LikeQuota.objects.get(pk=me.pk).day_count == 5
    flag = AbuseFlag.objects.get()
    assert (flag.user_id, flag.kind, flag.occurrences) == (me.pk, AbuseKind.RAPID_LIKES, 1)
    assert flag.details == {"likes": 5, "within_seconds": 60}


def test_likes_spread_over_more_than_the_window_raise_nothing(
    me, auth_client, make_person, burst_of_five
):
    for number in range(6):
        auth_client.post(LIKES, {"target_id": str(make_person().pk)})
        if number == 3:  # the four before now look older than the window
            quota = LikeQuota.objects.get(pk=me.pk)
            LikeQuota.objects.filter(pk=me.pk).update(
                recent_at=[at - timedelta(seconds=61) for at in quota.recent_at]
            )

    assert Like.objects.filter(actor=me).count() == 6
    assert not AbuseFlag.objects.exists()


def test_the_same_comment_three_times_raises_a_flag_and_slows_me_down(me, auth_client, make_person):
    responses = [
        auth_client.post(LIKES, {"target_id": str(make_person().pk), "comment": comment})
        for comment in ("Hey gorgeous", "hey GORGEOUS ", "Something else", "Hey gorgeous")
    ]
    after = auth_client.post(LIKES, {"target_id": str(make_person().pk), "comment": "Hi"})

    assert [response.status_code for response in responses] == [201] * 4
    assert after.status_code == 429
    assert after.json()["code"] == "like_rate_limited"
    flag = AbuseFlag.objects.get()
    assert flag.kind == AbuseKind.REPEATED_COMMENT
    assert flag.details == {"comment": "Hey gorgeous", "times": 3}


def test_after_the_cool_down_likes_go_through_and_a_repeat_counts_on_the_open_flag(
    me, auth_client, make_person, burst_of_five
):
    for _ in range(5):
        auth_client.post(LIKES, {"target_id": str(make_person().pk)})
    LikeQuota.objects.filter(pk=me.pk).update(
        slowed_until=timezone.now() - timedelta(seconds=1), recent_at=[]
    )
    for _ in range(5):
        assert auth_client.post(LIKES, {"target_id": str(make_person().pk)}).status_code == 201

    flag = AbuseFlag.objects.get()
    assert flag.occurrences == 2


def test_a_refused_like_while_slowed_down_changes_nothing(me, auth_client, make_person):
    until = timezone.now() + timedelta(minutes=5)
    set_quota(me, day_count=1, total_count=9)
    LikeQuota.objects.filter(pk=me.pk).update(slowed_until=until)

    response = auth_client.post(LIKES, {"target_id": str(make_person().pk)})

    assert response.status_code == 429
    assert 295 <= int(response.headers["Retry-After"]) <= 301
    quota = LikeQuota.objects.get(pk=me.pk)
    assert (quota.day_count, quota.total_count, quota.recent_at) == (1, 9, [])
    assert not Like.objects.exists()


# --- the admin --------------------------------------------------------------------------------


@pytest.fixture
def moderator_client() -> Client:
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_resolving_a_flag_in_the_admin_lifts_the_slow_down(
    me, auth_client, make_person, burst_of_five, moderator_client
):
    for _ in range(5):
        auth_client.post(LIKES, {"target_id": str(make_person().pk)})
    flag = AbuseFlag.objects.get()
    assert auth_client.post(LIKES, {"target_id": str(make_person().pk)}).status_code == 429

    response = moderator_client.post(
        "/admin/matching/abuseflag/",
        {"action": "resolve_flags", "_selected_action": [str(flag.pk)]},
    )

    assert response.status_code == 302
    flag.refresh_from_db()
    assert flag.resolved_at is not None
    assert LikeQuota.objects.get(pk=me.pk).slowed_until is None
    audit = AuditEntry.objects.get(action=AuditAction.FLAG_REVIEWED)
    assert (audit.target_type, audit.target_id) == ("matching.abuseflag", str(flag.pk))
    assert audit.subject_user_id == me.pk
    assert audit.actor_id == flag.resolved_by_id
    LikeQuota.objects.filter(pk=me.pk).update(recent_at=[])
    assert auth_client.post(LIKES, {"target_id": str(make_person().pk)}).status_code == 201


def test_the_flag_list_filters_by_kind_and_status_and_searches_by_email(moderator_client):
    spammer = UserFactory(email="spammer@example.com")
    copier = UserFactory(email="copier@example.com")
    AbuseFlag.objects.create(user=spammer, kind=AbuseKind.RAPID_LIKES)
    AbuseFlag.objects.create(
        user=copier, kind=AbuseKind.REPEATED_COMMENT, resolved_at=timezone.now()
    )
    url = "/admin/matching/abuseflag/"

    by_kind = moderator_client.get(url, {"kind__exact": "rapid_likes"}).content.decode()
    open_only = moderator_client.get(url, {"status": "open"}).content.decode()
    by_email = moderator_client.get(url, {"q": "copier"}).content.decode()

    assert "spammer@example.com" in by_kind
    assert "copier@example.com" not in by_kind
    assert "spammer@example.com" in open_only
    assert "copier@example.com" not in open_only
    assert "copier@example.com" in by_email
    assert "spammer@example.com" not in by_email


def test_likes_and_matches_are_read_only_in_the_admin_with_search_and_state_filter(
    moderator_client, make_person
):
    first, second, third = make_person(), make_person(), make_person()
    from accounts.models import User

    User.objects.filter(pk=first.pk).update(email="first@example.com")
    make_match(first, second, state=MatchState.DATING)
    make_match(second, third, state=MatchState.UNMATCHED)
    like = Like.objects.filter(actor=first).first()

    likes = moderator_client.get("/admin/matching/like/", {"q": "first@example.com"})
    dating = moderator_client.get("/admin/matching/match/", {"state__exact": "dating"})
    change = moderator_client.get(f"/admin/matching/like/{like.pk}/change/")

    assert likes.status_code == dating.status_code == change.status_code == 200
    assert likes.context["cl"].result_count == 2  # first's like and the like to first
    assert [m.state for m in dating.context["cl"].result_list] == ["dating"]
    assert moderator_client.get("/admin/matching/like/add/").status_code == 403
    assert (
        moderator_client.post(
            f"/admin/matching/match/{Match.objects.first().pk}/delete/"
        ).status_code
        == 403
    )
