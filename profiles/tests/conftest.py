"""Fixtures for the photo tests: an S3 emulator on loopback behind the real S3 storage
backend, a signed disk storage, and generated images (good, hostile and broken)."""

import io
import logging
import struct
import uuid
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pillow_heif
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from moto.server import ThreadedMotoServer
from PIL import Image, ImageCms, ImageDraw

from profiles.models import ModerationState, Photo, PhotoStatus, Profile

pillow_heif.register_heif_opener()

RED = (220, 20, 20)
BLUE = (20, 20, 220)

# --- Storage ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """moto's S3 in server mode on 127.0.0.1 with a free port, once per test session."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


class Bucket:
    """Read access to the emulated bucket, to check what the app stored there."""

    def __init__(self, endpoint: str, name: str) -> None:
        self.name = name
        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def stored(self) -> list[str]:
        response = self.client.list_objects_v2(Bucket=self.name)
        return sorted(item["Key"] for item in response.get("Contents", []))

    def read(self, key: str) -> bytes:
        body: bytes = self.client.get_object(Bucket=self.name, Key=key)["Body"].read()
        return body

    def content_type(self, key: str) -> str:
        content_type: str = self.client.head_object(Bucket=self.name, Key=key)["ContentType"]
        return content_type


@pytest.fixture
def s3_storage(settings: Any, moto_endpoint: str) -> Bucket:
    """The default storage is django-storages' S3Storage against a fresh emulated bucket.

    The AWS_* settings go first: the storage reads them when it is instantiated, which
    happens lazily after STORAGES changes (Django resets `default_storage` then; the photo
    FileField holds that lazy `default_storage`, so it follows).
    """
    bucket = Bucket(moto_endpoint, f"kindred-test-{uuid.uuid4().hex[:12]}")
    bucket.client.create_bucket(Bucket=bucket.name)
    settings.AWS_STORAGE_BUCKET_NAME = bucket.name
    settings.AWS_S3_ENDPOINT_URL = moto_endpoint
    settings.AWS_S3_REGION_NAME = "us-east-1"
    settings.AWS_ACCESS_KEY_ID = "testing"
    settings.AWS_SECRET_ACCESS_KEY = "testing"
    settings.AWS_QUERYSTRING_AUTH = True
    settings.AWS_QUERYSTRING_EXPIRE = 600
    settings.AWS_S3_FILE_OVERWRITE = False
    settings.AWS_S3_SIGNATURE_VERSION = "s3v4"
    settings.AWS_S3_ADDRESSING_STYLE = "path"
    settings.AWS_DEFAULT_ACL = None
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage"},
    }
    return bucket


@pytest.fixture
def local_storage(settings: Any, tmp_path: Any) -> Any:
    """The embedded mode's storage: files on disk under a fresh folder, signed URLs."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "core.storage.SignedFileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    return tmp_path / "media"


# --- Profiles and photos ----------------------------------------------------------------------


@pytest.fixture
def profile(user: Any) -> Profile:
    return Profile.objects.get(pk=user.pk)


@pytest.fixture
def make_photo() -> Callable[..., Photo]:
    """A photo row as the pipeline leaves it, without stored objects (for lists and rules)."""

    def make(
        profile: Profile,
        *,
        position: int | None = None,
        status: str = PhotoStatus.READY,
        moderation_state: str = ModerationState.APPROVED,
    ) -> Photo:
        if position is None:
            position = Photo.objects.filter(profile=profile).count()
        photo_id = uuid.uuid4()
        prefix = f"photos/{profile.pk}/{photo_id}"
        is_ready = status == PhotoStatus.READY
        return Photo.objects.create(
            id=photo_id,
            profile=profile,
            position=position,
            status=status,
            moderation_state=moderation_state,
            original=f"{prefix}/original",
            content_type="image/jpeg",
            renditions=(
                {size: f"{prefix}/{size}.webp" for size in ("small", "medium", "large")}
                if is_ready
                else {}
            ),
            blurhash="LEHV6nWB2yk8pyo0adR*.7kCMdnj" if is_ready else "",
            width=1200 if is_ready else None,
            height=1600 if is_ready else None,
        )

    return make


# --- Images -------------------------------------------------------------------------------------


def halves(width: int, height: int) -> Image.Image:
    """Left half red, right half blue: shows which way an image was turned."""
    image = Image.new("RGB", (width, height), BLUE)
    ImageDraw.Draw(image).rectangle((0, 0, width // 2 - 1, height - 1), fill=RED)
    return image


def gps_exif(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "Kindred Test Camera Co"  # Make
    exif[0x0110] = "Spyglass 9 Pro"  # Model
    exif[0x0112] = orientation  # Orientation
    exif[0x8825] = {  # GPS IFD: 52°22'N 4°53'E (Amsterdam)
        1: "N",
        2: (52.0, 22.0, 12.5),
        3: "E",
        4: (4.0, 53.0, 30.0),
    }
    return exif


def _icc_srgb() -> bytes:
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    icc: bytes = profile.tobytes()
    return icc


def encode(image: Image.Image, image_format: str, **options: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **options)
    return buffer.getvalue()


class Images:
    """Generated test files, each as bytes."""

    @staticmethod
    def jpeg_with_gps(width: int = 2000, height: int = 1000, orientation: int = 6) -> bytes:
        return encode(
            halves(width, height),
            "JPEG",
            quality=90,
            exif=gps_exif(orientation).tobytes(),
            icc_profile=_icc_srgb(),
            comment=b"shot at 12 Secret Street",
        )

    @staticmethod
    def jpeg(width: int = 640, height: int = 480) -> bytes:
        return encode(halves(width, height), "JPEG", quality=85)

    @staticmethod
    def png(width: int = 640, height: int = 480) -> bytes:
        info = __import__("PIL.PngImagePlugin", fromlist=["PngInfo"]).PngInfo()
        info.add_text("Comment", "shot at 12 Secret Street")
        image = halves(width, height).convert("RGBA")
        return encode(image, "PNG", pnginfo=info, exif=gps_exif().tobytes())

    @staticmethod
    def webp(width: int = 640, height: int = 480) -> bytes:
        return encode(halves(width, height), "WEBP", quality=80, exif=gps_exif().tobytes())

    @staticmethod
    def heic(width: int = 640, height: int = 480) -> bytes:
        return encode(halves(width, height), "HEIF", quality=80, exif=gps_exif().tobytes())

    @staticmethod
    def truncated_jpeg() -> bytes:
        data = Images.jpeg()
        return data[: len(data) // 2]

    @staticmethod
    def png_declaring(width: int, height: int) -> bytes:
        """A tiny PNG whose header claims `width` x `height`: a decompression bomb's shape."""

        def chunk(kind: bytes, payload: bytes) -> bytes:
            return (
                struct.pack(">I", len(payload))
                + kind
                + payload
                + struct.pack(">I", zlib.crc32(kind + payload))
            )

        header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
        return (
            b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
            + chunk(b"IEND", b"")
        )

    @staticmethod
    def jpeg_with_zip() -> bytes:
        archive = io.BytesIO()
        import zipfile

        with zipfile.ZipFile(archive, "w") as zipped:
            zipped.writestr("payload.html", "<script>alert(1)</script>")
        return Images.jpeg() + archive.getvalue()

    @staticmethod
    def png_with_script() -> bytes:
        return Images.png() + b"<html><script>alert(document.cookie)</script></html>"

    @staticmethod
    def webp_with_trailer() -> bytes:
        return Images.webp() + b"PK\x03\x04 hidden archive"

    @staticmethod
    def heic_with_trailer() -> bytes:
        return Images.heic() + b"<script>alert(1)</script>"

    @staticmethod
    def gif() -> bytes:
        return encode(halves(64, 64).convert("P"), "GIF")

    @staticmethod
    def pdf() -> bytes:
        return b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

    @staticmethod
    def text() -> bytes:
        return b"definitely not a picture\n"


@pytest.fixture
def images() -> type[Images]:
    return Images


@pytest.fixture
def upload() -> Callable[[bytes, str], SimpleUploadedFile]:
    def make(data: bytes, name: str) -> SimpleUploadedFile:
        return SimpleUploadedFile(name, data, content_type="application/octet-stream")

    return make
