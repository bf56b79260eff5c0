"""profiles.imaging on its own: what it accepts, what it refuses, and what it renders."""

import io

import pytest
from PIL import Image

from profiles.imaging import (
    CORRUPT_IMAGE,
    TOO_MANY_PIXELS,
    UNSUPPORTED_IMAGE,
    ImageRejected,
    inspect_upload,
    render_photo,
)
from profiles.tests.conftest import BLUE, RED, Images, encode

MAX_PIXELS = 40_000_000


def close_to(pixel: tuple[int, ...], colour: tuple[int, int, int]) -> bool:
    return all(abs(a - b) <= 30 for a, b in zip(pixel[:3], colour, strict=True))


@pytest.mark.parametrize(
    ("make", "name", "expected_format", "content_type"),
    [
        (Images.jpeg, "photo.jpg", "JPEG", "image/jpeg"),
        (Images.jpeg, "PHOTO.JPEG", "JPEG", "image/jpeg"),
        (Images.jpeg, "blob", "JPEG", "image/jpeg"),
        (Images.png, "photo.png", "PNG", "image/png"),
        (Images.webp, "photo.webp", "WEBP", "image/webp"),
        (Images.heic, "IMG_0001.HEIC", "HEIF", "image/heif"),
        (Images.heic, "photo.heif", "HEIF", "image/heif"),
    ],
)
def test_accepted_formats_are_sniffed_from_content(make, name, expected_format, content_type):
    inspected = inspect_upload(make(), filename=name, max_pixels=MAX_PIXELS)

    assert inspected.format == expected_format
    assert inspected.content_type == content_type
    assert (inspected.width, inspected.height) == (640, 480)


@pytest.mark.parametrize(
    ("make", "name", "code"),
    [
        (Images.text, "photo.jpg", UNSUPPORTED_IMAGE),
        (Images.pdf, "photo.jpg", UNSUPPORTED_IMAGE),
        (Images.gif, "photo.gif", UNSUPPORTED_IMAGE),
        (Images.gif, "photo.jpg", UNSUPPORTED_IMAGE),
        (Images.png, "photo.jpg", UNSUPPORTED_IMAGE),
        (Images.jpeg, "photo.png", UNSUPPORTED_IMAGE),
        (Images.jpeg, "photo.exe", UNSUPPORTED_IMAGE),
        (Images.jpeg_with_zip, "photo.jpg", UNSUPPORTED_IMAGE),
        (Images.png_with_script, "photo.png", UNSUPPORTED_IMAGE),
        (Images.webp_with_trailer, "photo.webp", UNSUPPORTED_IMAGE),
        (Images.heic_with_trailer, "photo.heic", UNSUPPORTED_IMAGE),
        (Images.truncated_jpeg, "photo.jpg", CORRUPT_IMAGE),
        (lambda: Images.png()[:-30], "photo.png", CORRUPT_IMAGE),
        (lambda: Images.webp()[:-40], "photo.webp", CORRUPT_IMAGE),
        (lambda: Images.heic()[:-40], "photo.heic", CORRUPT_IMAGE),
        (lambda: Images.png_declaring(40_000, 40_000), "bomb.png", TOO_MANY_PIXELS),
        (lambda: Images.png_declaring(8_000, 6_000), "big.png", TOO_MANY_PIXELS),
    ],
)
def test_bad_files_are_refused_with_their_code(make, name, code):
    with pytest.raises(ImageRejected) as caught:
        inspect_upload(make(), filename=name, max_pixels=MAX_PIXELS)

    assert caught.value.code == code


def test_trailing_zero_padding_is_tolerated():
    inspected = inspect_upload(Images.jpeg() + b"\x00" * 64, filename="a.jpg", max_pixels=10**7)

    assert inspected.format == "JPEG"


def test_rendering_applies_orientation_and_keeps_aspect_without_enlarging():
    rendered = render_photo(Images.jpeg_with_gps(2000, 1000, orientation=6), max_pixels=MAX_PIXELS)

    # Orientation 6 turns the stored 2000x1000 a quarter clockwise: portrait, red on top.
    assert (rendered.width, rendered.height) == (1000, 2000)
    sizes = {name: (r.width, r.height) for name, r in rendered.renditions.items()}
    assert sizes == {"large": (800, 1600), "medium": (400, 800), "small": (100, 200)}
    large = Image.open(io.BytesIO(rendered.renditions["large"].data))
    assert large.format == "WEBP"
    assert large.size == (800, 1600)
    assert close_to(large.getpixel((400, 200)), RED)
    assert close_to(large.getpixel((400, 1400)), BLUE)
    assert len(rendered.blurhash) == 28


def test_small_images_are_never_enlarged():
    rendered = render_photo(Images.jpeg_with_gps(100, 50, orientation=6), max_pixels=MAX_PIXELS)

    sizes = {name: (r.width, r.height) for name, r in rendered.renditions.items()}
    assert sizes == {"large": (50, 100), "medium": (50, 100), "small": (50, 100)}


@pytest.mark.parametrize("make", [Images.jpeg_with_gps, Images.png, Images.webp, Images.heic])
def test_renditions_carry_no_metadata(make):
    source = Image.open(io.BytesIO(make()))
    assert source.getexif()  # the input really carries EXIF

    rendered = render_photo(make(), max_pixels=MAX_PIXELS)

    for rendition in rendered.renditions.values():
        image = Image.open(io.BytesIO(rendition.data))
        assert dict(image.getexif()) == {}
        assert not {"exif", "icc_profile", "xmp", "comment", "XML:com.adobe.xmp"} & set(image.info)
        assert b"Spyglass" not in rendition.data
        assert b"Secret Street" not in rendition.data


def test_transparency_is_flattened_on_white():
    image = Image.new("RGBA", (40, 40), (0, 0, 0, 0))
    rendered = render_photo(encode(image, "PNG"), max_pixels=MAX_PIXELS)

    small = Image.open(io.BytesIO(rendered.renditions["small"].data)).convert("RGB")
    assert close_to(small.getpixel((20, 20)), (255, 255, 255))


def test_rendering_is_deterministic():
    data = Images.webp()

    first = render_photo(data, max_pixels=MAX_PIXELS)
    second = render_photo(data, max_pixels=MAX_PIXELS)

    assert first == second


def test_undecodable_pixels_are_rejected_at_render():
    with pytest.raises(ImageRejected) as caught:
        render_photo(Images.truncated_jpeg(), max_pixels=MAX_PIXELS)

    assert caught.value.code == CORRUPT_IMAGE
