"""Photos end to end: upload, processing, signed URLs, moderation, reorder, delete — against
moto's S3 server through django-storages' real S3 backend (and the signed disk storage)."""

import io
import time
import urllib.request
import uuid
from typing import Any

import pytest
from botocore.config import Config
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from accounts.tokens import token_pair_for_user
from core.exceptions import Conflict, ValidationFailed
from core.testing import run_in_threads
from profiles import photo_receivers  # noqa: F401  (connects the cascade cleanup receiver)
from profiles.models import MAX_PHOTOS, ModerationState, Photo, PhotoStatus, Profile
from profiles.photo_selectors import photo_list_public
from profiles.photo_serializers import PublicPhotoOutput
from profiles.photo_services import (
    _enqueue_processing,
    photo_delete_files_for_profile,
    photo_set_moderation_state,
    photo_upload,
)
from profiles.photo_tasks import photo_process_task
from profiles.services import profile_primary_photo_changed, profile_refresh_completion
from profiles.tests.conftest import BLUE, RED, Images
from profiles.tests.factories import make_complete

pytestmark = pytest.mark.django_db

PHOTOS = "/api/v1/profile/photos"
REORDER = "/api/v1/profile/photos/reorder"
SIZES = {"small": 200, "medium": 800, "large": 1600}


def post_image(client: Any, data: bytes, name: str) -> Any:
    image = SimpleUploadedFile(name, data, content_type="application/octet-stream")
    return client.post(PHOTOS, {"image": image}, format="multipart")


def upload_and_process(client: Any, data: bytes, name: str, capture: Any) -> Photo:
    with capture(execute=True):
        response = post_image(client, data, name)
    assert response.status_code == 201, response.json()
    photo_process_task(response.json()["id"])
    return Photo.objects.get(pk=response.json()["id"])


def close_to(pixel: Any, colour: tuple[int, int, int]) -> bool:
    return all(abs(a - b) <= 30 for a, b in zip(pixel[:3], colour, strict=True))


def assert_clean_webp(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert image.format == "WEBP"
    assert dict(image.getexif()) == {}
    assert not {"exif", "icc_profile", "xmp", "comment"} & set(image.info)
    assert b"Spyglass" not in data
    assert b"Secret Street" not in data
    return image


# --- Upload and processing -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "name", "content_type"),
    [
        (Images.jpeg_with_gps, "IMG_0042.jpg", "image/jpeg"),
        (Images.png, "screenshot.png", "image/png"),
        (Images.webp, "photo.webp", "image/webp"),
        (Images.heic, "IMG_0043.HEIC", "image/heif"),
    ],
)
def test_upload_stores_the_original_privately_then_processing_writes_clean_webp_renditions(
    auth_client, user, s3_storage, django_capture_on_commit_callbacks, make, name, content_type
):
    data = make()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post_image(auth_client, data, name)

    assert response.status_code == 201
    body = response.json()
    photo = Photo.objects.get(pk=body["id"])
    prefix = f"photos/{user.pk}/{photo.id}"
    assert body["status"] == "processing"
    assert body["urls"] is None
    assert body["moderation_state"] == "pending"
    assert (body["position"], body["is_primary"]) == (0, True)
    assert photo.original.name == f"{prefix}/original"
    assert photo.content_type == content_type
    assert s3_storage.stored() == [f"{prefix}/original"]
    assert s3_storage.read(f"{prefix}/original") == data
    assert s3_storage.content_type(f"{prefix}/original") == content_type
    # The processing task is queued only once the upload committed.
    queued = [callback for callback in callbacks if callback.func is _enqueue_processing]
    assert [callback.args for callback in queued] == [(str(photo.id),)]

    photo_process_task(str(photo.id))

    photo.refresh_from_db()
    assert photo.status == PhotoStatus.READY
    assert photo.renditions == {size: f"{prefix}/{size}.webp" for size in SIZES}
    assert photo.blurhash
    assert photo.processed_at is not None
    assert s3_storage.stored() == sorted(
        [f"{prefix}/original"] + [f"{prefix}/{size}.webp" for size in SIZES]
    )
    longest_side = max(photo.width or 0, photo.height or 0)
    for size, edge in SIZES.items():
        key = f"{prefix}/{size}.webp"
        assert s3_storage.content_type(key) == "image/webp"
        rendition = assert_clean_webp(s3_storage.read(key))
        assert max(rendition.size) == min(edge, longest_side)


def test_orientation_is_applied_and_gps_is_gone(
    auth_client, user, s3_storage, django_capture_on_commit_callbacks
):
    source = Image.open(io.BytesIO(Images.jpeg_with_gps(2000, 1000, orientation=6)))
    assert source.getexif().get_ifd(0x8825)[1] == "N"  # the upload does carry GPS

    photo = upload_and_process(
        auth_client,
        Images.jpeg_with_gps(2000, 1000, orientation=6),
        "IMG.jpg",
        django_capture_on_commit_callbacks,
    )

    assert (photo.width, photo.height) == (1000, 2000)
    large = assert_clean_webp(s3_storage.read(photo.renditions["large"]))
    assert large.size == (800, 1600)
    assert close_to(large.convert("RGB").getpixel((400, 200)), RED)
    assert close_to(large.convert("RGB").getpixel((400, 1400)), BLUE)
    small = assert_clean_webp(s3_storage.read(photo.renditions["small"]))
    assert small.size == (100, 200)


def test_a_small_turned_photo_keeps_its_size_and_turns(
    auth_client, s3_storage, django_capture_on_commit_callbacks
):
    photo = upload_and_process(
        auth_client,
        Images.jpeg_with_gps(100, 50, orientation=6),
        "tiny.jpg",
        django_capture_on_commit_callbacks,
    )

    assert (photo.width, photo.height) == (50, 100)
    for size in SIZES:
        assert assert_clean_webp(s3_storage.read(photo.renditions[size])).size == (50, 100)


@pytest.mark.parametrize(
    ("make", "name", "code"),
    [
        (Images.text, "photo.jpg", "unsupported_image"),
        (Images.pdf, "photo.jpg", "unsupported_image"),
        (Images.gif, "photo.gif", "unsupported_image"),
        (Images.png, "photo.jpg", "unsupported_image"),
        (Images.jpeg_with_zip, "photo.jpg", "unsupported_image"),
        (Images.png_with_script, "photo.png", "unsupported_image"),
        (Images.heic_with_trailer, "photo.heic", "unsupported_image"),
        (Images.truncated_jpeg, "photo.jpg", "corrupt_image"),
        (lambda: Images.png_declaring(40_000, 40_000), "bomb.png", "image_too_many_pixels"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_stored(
    auth_client, s3_storage, django_capture_on_commit_callbacks, make, name, code
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = post_image(auth_client, make(), name)

    assert response.status_code == 400
    assert response.json()["code"] == code
    assert set(response.json()) == {"code", "message", "extra"}
    assert Photo.objects.count() == 0
    assert s3_storage.stored() == []
    assert callbacks == []


def test_a_photo_over_10_mb_is_413(auth_client, s3_storage, django_capture_on_commit_callbacks):
    data = Images.jpeg() + b"\x00" * (11_000_000 - len(Images.jpeg()))

    with django_capture_on_commit_callbacks() as callbacks:
        response = post_image(auth_client, data, "huge.jpg")

    assert response.status_code == 413
    assert response.json() == {
        "code": "photo_too_large",
        "message": f"An image may be at most {10 * 1024 * 1024} bytes.",
        "extra": {"max_bytes": 10 * 1024 * 1024},
    }
    assert Photo.objects.count() == 0
    assert s3_storage.stored() == []
    assert callbacks == []


def test_an_upload_without_an_image_is_a_validation_error(auth_client, s3_storage):
    response = auth_client.post(PHOTOS, {}, format="multipart")

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert list(response.json()["extra"]["fields"]) == ["image"]


def test_the_seventh_photo_is_refused(
    auth_client, profile, s3_storage, make_photo, django_capture_on_commit_callbacks
):
    for _ in range(MAX_PHOTOS):
        make_photo(profile)

    with django_capture_on_commit_callbacks() as callbacks:
        response = post_image(auth_client, Images.jpeg(), "seventh.jpg")

    assert response.status_code == 409
    assert response.json() == {
        "code": "photo_limit_reached",
        "message": "A profile can have at most 6 photos.",
        "extra": {"max_photos": 6},
    }
    assert Photo.objects.filter(profile=profile).count() == MAX_PHOTOS
    assert s3_storage.stored() == []
    assert callbacks == []


@pytest.mark.django_db(transaction=True)
def test_two_uploads_racing_for_the_last_slot_let_exactly_one_in(local_storage, make_photo):
    user = UserFactory()
    profile = Profile.objects.get(pk=user.pk)
    for _ in range(MAX_PHOTOS - 1):
        make_photo(profile)
    data = Images.jpeg()

    def attempt() -> str:
        try:
            photo_upload(user=user, image=SimpleUploadedFile("a.jpg", data))
        except Conflict as error:
            return error.code
        return "uploaded"

    outcomes = run_in_threads(attempt, 2)

    assert sorted(outcomes) == ["photo_limit_reached", "uploaded"]
    assert sorted(Photo.objects.filter(profile=profile).values_list("position", flat=True)) == [
        0,
        1,
        2,
        3,
        4,
        5,
    ]
    # Only the winner's original is on disk: the loser stored nothing.
    originals = list((local_storage / "photos" / str(profile.pk)).glob("*/original"))
    assert len(originals) == 1


def test_an_unreachable_bucket_gives_503_and_no_row(auth_client, settings, s3_storage):
    settings.AWS_S3_ENDPOINT_URL = "http://127.0.0.1:9"
    settings.AWS_S3_CLIENT_CONFIG = Config(
        connect_timeout=1, retries={"max_attempts": 1}, s3={"addressing_style": "path"}
    )
    settings.STORAGES = {**settings.STORAGES}  # re-create the storage with the new endpoint

    response = post_image(auth_client, Images.jpeg(), "a.jpg")

    assert response.status_code == 503
    assert response.json()["code"] == "storage_unavailable"
    assert Photo.objects.count() == 0


def test_processing_again_is_idempotent(
    auth_client, s3_storage, django_capture_on_commit_callbacks
):
    photo = upload_and_process(
        auth_client, Images.webp(), "a.webp", django_capture_on_commit_callbacks
    )
    keys = s3_storage.stored()
    first = {size: s3_storage.read(name) for size, name in photo.renditions.items()}

    photo_process_task(str(photo.id))  # already ready: nothing happens
    # A retry after a crash between writing the renditions and recording them.
    Photo.objects.filter(pk=photo.id).update(status=PhotoStatus.PROCESSING)
    photo_process_task(str(photo.id))

    again = Photo.objects.get(pk=photo.id)
    assert again.status == PhotoStatus.READY
    assert again.renditions == photo.renditions
    assert s3_storage.stored() == keys
    assert {size: s3_storage.read(name) for size, name in again.renditions.items()} == first


def test_an_undecodable_original_ends_failed_without_renditions(s3_storage, profile, make_photo):
    photo = make_photo(profile, status=PhotoStatus.PROCESSING)
    default_storage.save(photo.original.name, io.BytesIO(Images.truncated_jpeg()))

    photo_process_task(str(photo.id))
    photo_process_task(str(photo.id))

    photo.refresh_from_db()
    assert photo.status == PhotoStatus.FAILED
    assert photo.failure_reason == "The image could not be decoded."
    assert photo.renditions == {}
    assert s3_storage.stored() == [photo.original.name]


def test_processing_a_deleted_photo_does_nothing(s3_storage):
    photo_process_task(str(uuid.uuid4()))

    assert s3_storage.stored() == []


# --- Listing and signed URLs -------------------------------------------------------------------


def test_the_list_shows_all_my_photos_in_order_with_signed_urls_when_ready(
    auth_client, user, profile, s3_storage, make_photo
):
    ready = make_photo(profile, moderation_state=ModerationState.PENDING)
    rejected = make_photo(profile, moderation_state=ModerationState.REJECTED)
    processing = make_photo(profile, status=PhotoStatus.PROCESSING)
    make_photo(Profile.objects.get(pk=UserFactory().pk))  # someone else's

    response = auth_client.get(PHOTOS)

    assert response.status_code == 200
    body = response.json()
    assert (body["next"], body["count"], body["max_photos"]) == (None, 3, 6)
    results = body["results"]
    assert [item["id"] for item in results] == [str(ready.id), str(rejected.id), str(processing.id)]
    assert [item["moderation_state"] for item in results] == ["pending", "rejected", "approved"]
    assert [item["is_primary"] for item in results] == [True, False, False]
    assert set(results[0]) == {
        "id",
        "status",
        "moderation_state",
        "position",
        "is_primary",
        "urls",
        "blurhash",
        "width",
        "height",
        "created_at",
    }
    assert results[2]["urls"] is None
    small = results[0]["urls"]["small"]
    endpoint = f"http://127.0.0.1:{small.split(':')[2].split('/')[0]}"
    assert small.startswith(f"{endpoint}/{s3_storage.name}/{ready.renditions['small']}?")
    assert "X-Amz-Signature=" in small
    assert "X-Amz-Expires=600" in small


def test_a_signed_s3_url_downloads_the_rendition(
    auth_client, s3_storage, django_capture_on_commit_callbacks
):
    photo = upload_and_process(
        auth_client, Images.png(), "a.png", django_capture_on_commit_callbacks
    )

    url = auth_client.get(PHOTOS).json()["results"][0]["urls"]["medium"]
    with urllib.request.urlopen(url, timeout=5) as answer:
        downloaded = answer.read()

    assert downloaded == s3_storage.read(photo.renditions["medium"])


@pytest.mark.parametrize("count", [1, 5])
def test_the_list_costs_the_same_queries_for_1_and_5_photos(
    auth_client, profile, s3_storage, make_photo, django_assert_num_queries, count
):
    for _ in range(count):
        make_photo(profile)

    with django_assert_num_queries(3):
        response = auth_client.get(PHOTOS)

    assert len(response.json()["results"]) == count


def test_others_see_only_approved_ready_photos(profile, s3_storage, make_photo):
    shown = make_photo(profile)
    make_photo(profile, moderation_state=ModerationState.PENDING)
    make_photo(profile, moderation_state=ModerationState.REJECTED)
    make_photo(profile, status=PhotoStatus.PROCESSING)
    make_photo(profile, status=PhotoStatus.FAILED)
    nobody = Profile.objects.get(pk=UserFactory().pk)

    grouped = photo_list_public(profile_ids=[profile.pk, nobody.pk])

    assert grouped == {profile.pk: [shown], nobody.pk: []}
    data = PublicPhotoOutput(grouped[profile.pk], many=True).data
    assert set(data[0]) == {"id", "urls", "blurhash", "width", "height"}
    assert set(data[0]["urls"]) == {"small", "medium", "large"}


# --- Disk storage: signed URLs through the media view -------------------------------------------


def test_a_disk_signed_url_serves_the_rendition(
    auth_client, local_storage, django_capture_on_commit_callbacks
):
    photo = upload_and_process(
        auth_client, Images.jpeg_with_gps(), "a.jpg", django_capture_on_commit_callbacks
    )
    url = auth_client.get(PHOTOS).json()["results"][0]["urls"]["small"]
    assert url.startswith(f"/media/{photo.renditions['small']}?expires=")

    response = Client().get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert response["X-Content-Type-Options"] == "nosniff"
    data = b"".join(response.streaming_content)
    assert data == (local_storage / photo.renditions["small"]).read_bytes()
    assert assert_clean_webp(data).size == (100, 200)


def test_expired_forged_and_unsigned_media_urls_are_404(local_storage, profile, make_photo):
    photo = make_photo(profile)
    default_storage.save(photo.renditions["small"], io.BytesIO(b"webp bytes"))
    default_storage.save(photo.original.name, io.BytesIO(b"private original"))
    good = default_storage.url(photo.renditions["small"])
    signature = good.split("signature=")[1]
    expires = int(good.split("expires=")[1].split("&")[0])
    client = Client()
    assert client.get(good).status_code == 200
    assert client.head(good).status_code == 200
    refused = client.post(good)
    assert (refused.status_code, refused.json()["code"]) == (405, "method_not_allowed")

    for url in (
        default_storage.url(photo.renditions["small"], expire=-1),  # expired
        good[:-4] + "0000",  # forged signature
        f"/media/{photo.original.name}?expires={expires}&signature={signature}",  # other name
        f"/media/{photo.original.name}",  # unsigned
        f"/media/{photo.renditions['small']}?expires={expires + 60}&signature={signature}",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.json() == {"code": "not_found", "message": "Not found.", "extra": {}}


def test_the_media_view_serves_nothing_when_media_is_on_s3(settings, s3_storage, local_storage):
    disk_url = default_storage.url("photos/x/y/small.webp")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage"},
    }

    assert Client().get(disk_url).status_code == 404


def test_signed_urls_expire_after_the_configured_time(settings, local_storage):
    settings.KINDRED_MEDIA_URL_TTL = 90

    url = default_storage.url("photos/a/b/small.webp")

    expires = int(url.split("expires=")[1].split("&")[0])
    assert abs(expires - (time.time() + 90)) <= 2


# --- Moderation ---------------------------------------------------------------------------------


def test_moderation_decides_discoverability_after_commit(django_capture_on_commit_callbacks):
    profile = make_complete()
    photo = Photo.objects.get(profile=profile)
    assert profile.is_complete

    with django_capture_on_commit_callbacks(execute=True):
        photo_set_moderation_state(photo_id=photo.id, state=ModerationState.REJECTED)
    assert not Profile.objects.get(pk=profile.pk).is_complete

    with django_capture_on_commit_callbacks(execute=True):
        photo_set_moderation_state(photo_id=photo.id, state=ModerationState.APPROVED)
    assert Profile.objects.get(pk=profile.pk).is_complete


def test_an_unknown_moderation_state_changes_nothing(profile, make_photo):
    photo = make_photo(profile, moderation_state=ModerationState.PENDING)

    with pytest.raises(ValidationFailed) as caught:
        photo_set_moderation_state(photo_id=photo.id, state="maybe")

    assert caught.value.code == "invalid_moderation_state"
    photo.refresh_from_db()
    assert photo.moderation_state == ModerationState.PENDING


# --- Reorder ------------------------------------------------------------------------------------


def test_reorder_rewrites_positions_and_a_new_primary_drops_verification(
    auth_client, profile, make_photo, s3_storage, django_capture_on_commit_callbacks
):
    first, second, third = (make_photo(profile) for _ in range(3))
    Profile.objects.filter(pk=profile.pk).update(is_verified=True)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = auth_client.post(
            REORDER, {"ids": [str(third.id), str(first.id), str(second.id)]}, format="json"
        )

    assert response.status_code == 200
    assert [item["id"] for item in response.json()["results"]] == [
        str(third.id),
        str(first.id),
        str(second.id),
    ]
    assert [item["position"] for item in response.json()["results"]] == [0, 1, 2]
    positions = dict(Photo.objects.values_list("id", "position"))
    assert positions == {third.id: 0, first.id: 1, second.id: 2}
    assert [callback.func for callback in callbacks] == [profile_primary_photo_changed]
    assert not Profile.objects.get(pk=profile.pk).is_verified


def test_reorder_keeping_the_primary_keeps_verification(
    auth_client, profile, make_photo, s3_storage, django_capture_on_commit_callbacks
):
    first, second, third = (make_photo(profile) for _ in range(3))
    Profile.objects.filter(pk=profile.pk).update(is_verified=True)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = auth_client.post(
            REORDER, {"ids": [str(first.id), str(third.id), str(second.id)]}, format="json"
        )

    assert response.status_code == 200
    assert callbacks == []
    assert Profile.objects.get(pk=profile.pk).is_verified


@pytest.mark.parametrize(
    ("body", "code", "extra_key"),
    [
        (lambda mine, theirs: {"ids": mine[:2]}, "photo_order_mismatch", "missing"),
        (lambda mine, theirs: {"ids": [*mine, theirs]}, "photo_order_mismatch", "unknown"),
        (lambda mine, theirs: {"ids": [*mine[:2], theirs]}, "photo_order_mismatch", "unknown"),
        (lambda mine, theirs: {"ids": [*mine, mine[0]]}, "photo_order_mismatch", "repeated"),
        (lambda mine, theirs: {"ids": "all"}, "validation_error", "fields"),
        (lambda mine, theirs: {"ids": ["not-a-uuid"]}, "validation_error", "fields"),
        (lambda mine, theirs: {}, "validation_error", "fields"),
    ],
)
def test_reorder_refuses_a_list_that_is_not_exactly_my_photos(
    auth_client, profile, make_photo, s3_storage, body, code, extra_key
):
    mine = [str(make_photo(profile).id) for _ in range(3)]
    theirs = str(make_photo(Profile.objects.get(pk=UserFactory().pk)).id)
    before = dict(Photo.objects.values_list("id", "position"))

    response = auth_client.post(REORDER, body(mine, theirs), format="json")

    assert response.status_code == 400
    assert response.json()["code"] == code
    assert response.json()["extra"][extra_key]
    assert dict(Photo.objects.values_list("id", "position")) == before


# --- Delete -------------------------------------------------------------------------------------


def test_delete_removes_the_row_closes_the_gap_and_the_objects_after_commit(
    auth_client, user, s3_storage, django_capture_on_commit_callbacks
):
    first = upload_and_process(
        auth_client, Images.jpeg(), "1.jpg", django_capture_on_commit_callbacks
    )
    second = upload_and_process(
        auth_client, Images.png(), "2.png", django_capture_on_commit_callbacks
    )
    Profile.objects.filter(pk=user.pk).update(is_verified=True)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = auth_client.delete(f"{PHOTOS}/{first.id}")

    assert response.status_code == 204
    assert not Photo.objects.filter(pk=first.id).exists()
    assert Photo.objects.get(pk=second.id).position == 0
    # Not yet committed: the objects are still there.
    assert len([key for key in s3_storage.stored() if str(first.id) in key]) == 4

    for callback in callbacks:
        callback()

    assert s3_storage.stored() == sorted([second.original.name, *second.renditions.values()])
    assert not Profile.objects.get(pk=user.pk).is_verified  # the primary photo changed


def test_deleting_a_later_photo_keeps_verification(
    auth_client, user, profile, make_photo, s3_storage, django_capture_on_commit_callbacks
):
    make_photo(profile)
    later = make_photo(profile)
    Profile.objects.filter(pk=profile.pk).update(is_verified=True)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = auth_client.delete(f"{PHOTOS}/{later.id}")

    assert response.status_code == 204
    assert profile_primary_photo_changed not in [callback.func for callback in callbacks]
    assert profile_refresh_completion in [callback.func for callback in callbacks]
    assert Profile.objects.get(pk=profile.pk).is_verified


def test_deleting_the_only_approved_photo_makes_the_profile_undiscoverable(
    django_capture_on_commit_callbacks, s3_storage
):
    profile = make_complete()
    client = _client_for(profile.user)
    photo = Photo.objects.get(profile=profile)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.delete(f"{PHOTOS}/{photo.id}")

    assert response.status_code == 204
    assert not Profile.objects.get(pk=profile.pk).is_complete


def test_someone_elses_photo_cannot_be_deleted(
    auth_client, s3_storage, make_photo, django_capture_on_commit_callbacks
):
    theirs = make_photo(Profile.objects.get(pk=UserFactory().pk))
    default_storage.save(theirs.original.name, io.BytesIO(Images.jpeg()))

    with django_capture_on_commit_callbacks() as callbacks:
        response = auth_client.delete(f"{PHOTOS}/{theirs.id}")
        missing = auth_client.delete(f"{PHOTOS}/{uuid.uuid4()}")

    assert response.status_code == 404
    assert (
        response.json()
        == missing.json()
        == {
            "code": "not_found",
            "message": "No such photo.",
            "extra": {},
        }
    )
    assert Photo.objects.filter(pk=theirs.id).exists()
    assert s3_storage.stored() == [theirs.original.name]
    assert callbacks == []


def test_deleting_an_account_removes_its_photo_files_after_commit(
    user, s3_storage, auth_client, django_capture_on_commit_callbacks
):
    photo = upload_and_process(
        auth_client, Images.webp(), "a.webp", django_capture_on_commit_callbacks
    )
    assert len(s3_storage.stored()) == 4

    with django_capture_on_commit_callbacks(execute=True):
        user.delete()

    assert not Photo.objects.filter(pk=photo.id).exists()
    assert s3_storage.stored() == []


def test_profile_file_cleanup_removes_everything_under_the_profile(
    user, profile, s3_storage, make_photo
):
    photo = make_photo(profile)
    for name in [
        photo.original.name,
        *photo.renditions.values(),
        f"photos/{profile.pk}/orphan/original",
    ]:
        default_storage.save(name, io.BytesIO(b"x"))
    other = make_photo(Profile.objects.get(pk=UserFactory().pk))
    default_storage.save(other.original.name, io.BytesIO(b"x"))

    deleted = photo_delete_files_for_profile(profile_id=profile.pk)

    assert deleted == 5
    assert s3_storage.stored() == [other.original.name]


# --- Admin --------------------------------------------------------------------------------------


def test_the_admin_lists_photos_with_thumbnails_and_approves_in_bulk(
    s3_storage, make_photo, django_capture_on_commit_callbacks
):
    profile = make_complete()
    Photo.objects.filter(profile=profile).update(moderation_state=ModerationState.PENDING)
    profile_refresh_completion(profile_id=profile.pk)
    pending = Photo.objects.get(profile=profile)
    processing = make_photo(profile, status=PhotoStatus.PROCESSING, moderation_state="pending")
    admin = Client()
    admin.force_login(UserFactory(is_staff=True, is_superuser=True))

    page = admin.get("/admin/profiles/photo/", {"moderation_state__exact": "pending"})

    assert page.status_code == 200
    html = page.content.decode()
    assert f"/{s3_storage.name}/{pending.renditions['small']}?" in html
    assert "Processing" in html

    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            "/admin/profiles/photo/",
            {"action": "approve_photos", "_selected_action": [str(pending.id), str(processing.id)]},
        )

    assert response.status_code == 302
    assert set(Photo.objects.values_list("moderation_state", flat=True)) == {"approved"}
    assert Profile.objects.get(pk=profile.pk).is_complete

    with django_capture_on_commit_callbacks(execute=True):
        admin.post(
            "/admin/profiles/photo/",
            {"action": "reject_photos", "_selected_action": [str(pending.id), str(processing.id)]},
        )

    assert set(Photo.objects.values_list("moderation_state", flat=True)) == {"rejected"}
    assert not Profile.objects.get(pk=profile.pk).is_complete


def _client_for(user: Any) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_pair_for_user(user).access}")
    return client
