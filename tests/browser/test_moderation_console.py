"""End to end, in headless Chromium against a live server: a moderator signs in to the
console, opens the top report of the queue with its evidence, and bans the reported person;
that person's next API call is refused and the audit log holds both the evidence read and
the ban. A screenshot of the report page is kept in var/test-artifacts/.
"""

import json
import re
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Page

from accounts.models import User
from accounts.tests.factories import UserFactory
from accounts.tokens import token_pair_for_user
from chat.tests.factories import make_match, send
from moderation.models import AuditAction, AuditEntry, Report, ReportStatus, SanctionKind
from moderation.services import report_create
from moderation.tests.conftest import make_moderator
from profiles.tests.factories import PARIS, PARIS_MONTMARTRE, make_complete

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

PASSWORD = "correct-horse-42"
ARTIFACTS = Path(settings.BASE_DIR) / "var" / "test-artifacts"


def api_get(base_url: str, path: str, access: str) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"{base_url}{path}", headers={"Authorization": f"Bearer {access}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_a_moderator_bans_from_the_report_page_and_the_ban_takes_effect(
    page: Page, live_server
) -> None:
    moderator = make_moderator("console.moderator@example.com")
    reporter = make_complete(
        UserFactory(email="reporter@example.com"),
        point=PARIS,
        gender="man",
        interested_in=["woman"],
    )
    reported = make_complete(
        UserFactory(email="reported@example.com"),
        point=PARIS_MONTMARTRE,
        gender="woman",
        interested_in=["man"],
        bio="Crypto coach, DM me",
    )
    match = make_match(reporter.user, reported.user)
    send(reporter.user, match, "Hi! Nice to match with you")
    threat = send(reported.user, match, "Send me 500 euros or I post your photos").message
    report = report_create(
        reporter=reporter.user,
        user_id=reported.pk,
        reason="harassment",
        details="Blackmail after two messages.",
        message_ids=[threat.pk],
    ).report
    access = token_pair_for_user(User.objects.get(pk=reported.pk)).access
    assert api_get(live_server.url, "/api/v1/profile", access)[0] == 200

    # Sign in through the console's own form.
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", moderator.email)
    page.fill("#id_password", PASSWORD)
    page.click("#login-form input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")

    # The queue, then the report with its evidence.
    page.goto(f"{live_server.url}/admin/moderation/report/")
    page.locator("#result_list tbody tr").first.locator("th a, td a").first.click()
    page.wait_for_url(re.compile(rf"/admin/moderation/report/{report.pk}/change/$"))
    evidence = page.locator("#evidence-1")
    assert "Blackmail after two messages." in evidence.inner_text()
    assert "Crypto coach, DM me" in evidence.locator(".snapshot-bio").inner_text()
    assert "Send me 500 euros" in evidence.locator(".referenced-messages").inner_text()
    transcript = evidence.locator(".recent-messages li").all_inner_texts()
    assert len(transcript) == 2
    assert "Nice to match" in transcript[0]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "moderation-report-page.png"), full_page=True)

    # The decision: a ban, with the reason the person will read.
    page.check("#decision-form input[name=action][value=ban]")
    page.fill(
        "#decision-form textarea[name=policy_reason]", "Threats and blackmail are not allowed."
    )
    page.fill("#decision-form textarea[name=note]", "Blackmail in the referenced message.")
    page.click("#decision-form input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/moderation/report/")
    assert "Decision recorded." in page.locator(".messagelist").inner_text()

    # The ban holds: the person's token is refused, and the audit log has it all.
    status, body = api_get(live_server.url, "/api/v1/profile", access)
    assert status == 401
    assert body["code"] == "token_revoked"
    report.refresh_from_db()
    assert report.status == ReportStatus.ACTIONED
    assert report.sanction is not None
    assert report.sanction.kind == SanctionKind.BAN
    assert User.objects.get(pk=reported.pk).banned_at is not None
    entries = AuditEntry.objects.filter(actor=moderator, subject_user_id=reported.pk)
    assert set(entries.values_list("action", flat=True)) == {
        AuditAction.EVIDENCE_VIEWED,
        AuditAction.SANCTION_APPLIED,
    }
    assert entries.get(action=AuditAction.SANCTION_APPLIED).reason == (
        "Blackmail in the referenced message."
    )
    assert Report.objects.filter(status=ReportStatus.OPEN).count() == 0
