"""Data export: the job builds a ZIP of everything held on the person, stored privately in
S3 (moto's server) behind an expiring signed link; one per day; nothing of other people
beyond what they sent to the person."""

import io
import json
import urllib.request
import zipfile
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import DataExport, ExportStatus, User
from accounts.tasks import build_data_export_task, expire_data_exports_task
from accounts.tests.conftest import queued
from accounts.tests.world import OTHER_SECRETS, build_world
from accounts.tokens import token_pair_for_user
from notifications.models import Notification

pytestmark = pytest.mark.django_db

EXPORT = "/api/v1/me/export"


def signed_in(user: User) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_pair_for_user(user).access}")
    return client


def request_and_build(client: APIClient, capture) -> dict:  # type: ignore[no-untyped-def]
    with capture() as callbacks:
        response = client.post(EXPORT)
    assert response.status_code == 202, response.json()
    assert response.json()["status"] == "pending"
    [(export_id,)] = queued(callbacks, build_data_export_task)
    assert export_id == response.json()["id"]
    with capture(execute=True):
        assert build_data_export_task(export_id) == "ready"
    return response.json()


def download(url: str) -> zipfile.ZipFile:
    with urllib.request.urlopen(url, timeout=10) as response:
        return zipfile.ZipFile(io.BytesIO(response.read()))


def test_export_zip_holds_the_persons_data_and_nothing_else_of_others(
    s3_storage, django_capture_on_commit_callbacks
):
    world = build_world()
    user = world.user
    client = signed_in(user)

    request_and_build(client, django_capture_on_commit_callbacks)

    state = client.get(EXPORT)
    assert state.status_code == 200
    body = state.json()
    assert body["status"] == "ready"
    assert body["size_bytes"] > 0
    # Stored privately under the person's export folder; the link is presigned and short.
    export = DataExport.objects.filter(user=user).order_by("-created_at").first()
    assert export is not None
    assert export.file_name.startswith(f"exports/{user.pk}/{export.pk}/")
    query = parse_qs(urlparse(body["download_url"]).query)
    assert query["X-Amz-Expires"] == ["900"]
    assert "X-Amz-Signature" in query
    unsigned = body["download_url"].split("?")[0]
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(unsigned, timeout=10)
    assert refused.value.code == 403

    archive = download(body["download_url"])
    names = set(archive.namelist())
    assert {
        "README.txt",
        "account.json",
        "profile.json",
        "matching.json",
        "chat.json",
        "discovery.json",
        "moderation.json",
        "notifications.json",
        "ai.json",
    } <= names
    data = {name[:-5]: json.loads(archive.read(name)) for name in names if name.endswith(".json")}

    account = data["account"]["account"]
    assert (account["id"], account["email"], account["phone"]) == (
        str(user.pk),
        "robin@example.com",
        "+14155550123",
    )
    assert account["two_factor_enabled"] is True
    profile = data["profile"]
    assert profile["profile"]["display_name"] == "Robin Unique"
    assert profile["profile"]["bio"] == "USER-BIO kayaking"
    assert profile["profile"]["birth_date"] == "1994-03-02"
    assert profile["profile"]["interested_in"] == ["man"]
    assert [item["answer"] for item in profile["prompts"]] == ["USER-PROMPT-ANSWER"]
    assert [(item["question"], item["answer"]) for item in profile["quiz_answers"]] == [
        ("Pick a weekend", "Mountains")
    ]
    assert profile["badges"] == ["storyteller"]
    # Photos: the originals, byte for byte as stored.
    exported = [photo for photo in profile["photos"] if photo["file"]]
    for photo in world.user_photos:
        [entry] = [item for item in exported if item["id"] == str(photo.pk)]
        with default_storage.open(photo.original.name, "rb") as stored:
            assert archive.read(entry["file"]) == stored.read()
    [attempt] = profile["verification_attempts"]
    with default_storage.open(world.selfie_name, "rb") as stored:
        assert archive.read(attempt["selfie"]) == stored.read()

    matching = data["matching"]
    assert sorted(like["comment"] for like in matching["likes_sent"]) == [
        "USER-LIKE-COMMENT",
        "USER-LIKES-THIRD",
    ]
    [match] = matching["matches"]
    morgan = match["person"]
    assert morgan.startswith("person-")
    [conversation] = data["chat"]["conversations"]
    assert conversation["with"] == morgan
    assert [(message["from"], message["body"]) for message in conversation["messages"]] == [
        ("you", "USER-MESSAGE-ONE hello Morgan"),
        (morgan, "OTHER-MESSAGE-TO-USER hi Robin"),
        ("you", "USER-MESSAGE-TWO how are you"),
    ]
    assert data["chat"]["preferences"] == {"send_read_receipts": True, "allow_calls": False}
    assert len(data["discovery"]["passes"]) == 1
    assert len(data["discovery"]["shortlist"]) == 1
    moderation = data["moderation"]
    [report] = moderation["reports_filed"]
    assert report["details"][0]["details"] == "USER-REPORT-DETAILS"
    [sanction] = moderation["sanctions"]
    assert (sanction["kind"], sanction["reason"]) == ("warning", "Be kind to people")
    assert len(moderation["blocks"]) == 1
    kinds = [item["kind"] for item in data["notifications"]["notifications"]]
    assert sorted(kinds) == ["like_received", "moderation_notice"]
    assert data["notifications"]["push_devices"] == [
        {
            "platform": "ios",
            "registered_at": data["notifications"]["push_devices"][0]["registered_at"],
            "updated_at": data["notifications"]["push_devices"][0]["updated_at"],
        }
    ]
    [job] = data["ai"]["jobs"]
    assert job["result"] == {"summary": "USER-AI"}

    # Nothing of other people beyond what they sent to this person.
    everything = b"".join(archive.read(name) for name in names)
    for secret in OTHER_SECRETS:
        assert secret.encode() not in everything, secret
    for person in (world.other, world.third, world.fourth, world.moderator):
        assert str(person.pk).encode() not in everything
        assert person.email.encode() not in everything
    for photo in world.other_photos:
        with default_storage.open(photo.original.name, "rb") as stored:
            other_bytes = stored.read()
        assert all(archive.read(name) != other_bytes for name in names)
    assert b"USER-PUSH-TOKEN" not in everything

    # The person is told.
    notice = Notification.objects.get(user=user, kind="export_ready")
    assert notice.data == {"export_id": body["id"]}


def test_export_link_on_disk_storage_is_signed_and_expires(
    local_storage, django_capture_on_commit_callbacks, user
):
    client = signed_in(user)
    request_and_build(client, django_capture_on_commit_callbacks)

    url = client.get(EXPORT).json()["download_url"]

    query = parse_qs(urlparse(url).query)
    expires = int(query["expires"][0])
    assert 0 < expires - timezone.now().timestamp() <= 900
    assert APIClient().get(url).status_code == 200
    tampered = url.replace(query["signature"][0], "0" * 64)
    assert APIClient().get(tampered).status_code == 404


def test_one_export_per_day(user, local_storage, django_capture_on_commit_callbacks):
    client = signed_in(user)
    first = request_and_build(client, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks() as callbacks:
        second = client.post(EXPORT)

    assert second.status_code == 429
    assert second.json()["code"] == "export_rate_limited"
    retry_after = int(second.headers["Retry-After"])
    assert 23 * 3600 < retry_after <= 24 * 3600 + 1
    assert DataExport.objects.filter(user=user).count() == 1
    assert queued(callbacks, build_data_export_task) == []
    assert client.get(EXPORT).json()["id"] == first["id"]
    assert client.get(EXPORT).json()["next_export_at"] is not None

    DataExport.objects.filter(user=user).update(created_at=timezone.now() - timedelta(hours=25))
    assert client.post(EXPORT).status_code == 202


def test_a_failed_export_does_not_count_toward_the_daily_limit(user):
    client = signed_in(user)
    assert client.post(EXPORT).status_code == 202
    DataExport.objects.filter(user=user).update(status=ExportStatus.FAILED)

    assert client.post(EXPORT).status_code == 202
    assert DataExport.objects.filter(user=user).count() == 2


def test_no_export_yet_is_404(user):
    response = signed_in(user).get(EXPORT)

    assert response.status_code == 404
    assert response.json()["code"] == "export_not_found"


def test_building_twice_is_harmless(user, local_storage, django_capture_on_commit_callbacks):
    client = signed_in(user)
    body = request_and_build(client, django_capture_on_commit_callbacks)
    export = DataExport.objects.get(pk=body["id"])

    assert build_data_export_task(body["id"]) == "ready"

    again = DataExport.objects.get(pk=body["id"])
    assert (again.file_name, again.finished_at) == (export.file_name, export.finished_at)
    assert Notification.objects.filter(user=user, kind="export_ready").count() == 1


def test_expired_archives_leave_storage(user, s3_storage, django_capture_on_commit_callbacks):
    client = signed_in(user)
    body = request_and_build(client, django_capture_on_commit_callbacks)
    name = DataExport.objects.get(pk=body["id"]).file_name
    assert name in s3_storage.stored()
    assert expire_data_exports_task() == 0  # not yet

    DataExport.objects.filter(pk=body["id"]).update(expires_at=timezone.now())
    assert expire_data_exports_task() == 1

    assert name not in s3_storage.stored()
    state = client.get(EXPORT).json()
    assert (state["status"], state["download_url"]) == ("expired", None)
    assert expire_data_exports_task() == 0


def test_export_needs_authentication(api_client):
    assert api_client.post(EXPORT).status_code == 401
    assert api_client.get(EXPORT).status_code == 401
    assert not DataExport.objects.exists()
