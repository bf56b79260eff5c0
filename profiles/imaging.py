"""Photo bytes in, checked facts or clean renditions out. Pure functions: no models, no storage.

Two stages, so that requests stay cheap and workers do the heavy part:

- `inspect_upload` runs in the request. It reads headers and the container structure only:
  the real format (sniffed, never trusted from the name), the declared pixel count, and that
  the file is one complete image with nothing hidden after it (truncated files and
  polyglots — a JPEG with a ZIP or a script appended — are refused).
- `render_photo` runs in the `media` worker. It decodes the pixels, applies the EXIF
  orientation, converts to sRGB, rebuilds a new image from the pixels alone (so no EXIF,
  GPS, camera, comment, XMP or ICC data can survive) and encodes the WebP renditions and a
  blurhash placeholder.

Both raise `ImageRejected`, whose `code` is the API error code. `validate_upload` wraps
`inspect_upload` for an uploaded file and raises the API errors themselves.
"""

import io
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import blurhash
import pillow_heif
from django.conf import settings
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from core.exceptions import PayloadTooLarge, ValidationFailed

pillow_heif.register_heif_opener()

# Pillow format ids we accept, with the content type each is stored under. MPO is how Pillow
# names a JPEG carrying more than one frame (phones' depth maps, stereo shots).
CONTENT_TYPES: Mapping[str, str] = {
    "JPEG": "image/jpeg",
    "MPO": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "HEIF": "image/heif",
}
# Only these decoders ever see uploaded bytes (Pillow would otherwise try all of its own).
_DECODERS = ("JPEG", "PNG", "WEBP", "HEIF")
# What a file name's extension claims, as a Pillow format id.
_EXTENSIONS: Mapping[str, str] = {
    "jpg": "JPEG",
    "jpeg": "JPEG",
    "jpe": "JPEG",
    "jfif": "JPEG",
    "png": "PNG",
    "webp": "WEBP",
    "heic": "HEIF",
    "heif": "HEIF",
    "hif": "HEIF",
}

# Longest side of each rendition, in pixels; images are never enlarged.
RENDITION_EDGES: Mapping[str, int] = {"small": 200, "medium": 800, "large": 1600}
WEBP_QUALITY = 80
_BLURHASH_EDGE = 32

UNSUPPORTED_IMAGE = "unsupported_image"
CORRUPT_IMAGE = "corrupt_image"
TOO_MANY_PIXELS = "image_too_many_pixels"

# Errors Pillow and its plugins raise for bytes they cannot make sense of.
_DECODE_ERRORS = (
    OSError,
    ValueError,
    SyntaxError,
    EOFError,
    RuntimeError,
    TypeError,
    IndexError,
    Image.DecompressionBombError,
)


class ImageRejected(Exception):
    """The bytes are not an image we accept; `code` is the API error code."""

    def __init__(self, code: str, message: str, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.extra = extra or {}


@dataclass(frozen=True)
class InspectedImage:
    format: str
    content_type: str
    width: int
    height: int


@dataclass(frozen=True)
class EncodedImage:
    width: int
    height: int
    data: bytes = field(repr=False)
    content_type: str = "image/webp"


@dataclass(frozen=True)
class RenderedPhoto:
    width: int
    height: int
    blurhash: str
    renditions: dict[str, EncodedImage]


@dataclass(frozen=True)
class ValidatedUpload:
    image: InspectedImage
    content: bytes = field(repr=False)


class _Readable(Protocol):
    """What validate_upload needs of an uploaded file (Django's UploadedFile has it)."""

    @property
    def name(self) -> str | None: ...

    @property
    def size(self) -> int | None: ...

    def seek(self, offset: int) -> Any: ...

    def read(self, size: int = -1) -> bytes: ...


def validate_upload(
    upload: _Readable,
    *,
    max_bytes: int | None = None,
    max_pixels: int | None = None,
    too_large_code: str = "image_too_large",
) -> ValidatedUpload:
    """Read an uploaded image (photo, verification selfie) and check it with
    `inspect_upload`. Raises PayloadTooLarge (413 `too_large_code`) over `max_bytes`
    (default KINDRED_PHOTO_MAX_BYTES), ValidationFailed (400 with the rejection's code)
    otherwise. The bytes are returned as received: store them privately and render them
    with `render_photo` before anyone else sees them, since they still carry metadata.
    """
    limit = settings.KINDRED_PHOTO_MAX_BYTES if max_bytes is None else max_bytes
    pixels = settings.KINDRED_PHOTO_MAX_PIXELS if max_pixels is None else max_pixels
    too_large = PayloadTooLarge(
        f"An image may be at most {limit} bytes.", code=too_large_code, extra={"max_bytes": limit}
    )
    if upload.size is not None and upload.size > limit:
        raise too_large
    upload.seek(0)
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise too_large
    try:
        inspected = inspect_upload(content, filename=upload.name or "", max_pixels=pixels)
    except ImageRejected as rejection:
        raise ValidationFailed(
            rejection.message, code=rejection.code, extra=rejection.extra
        ) from rejection
    return ValidatedUpload(image=inspected, content=content)


def inspect_upload(data: bytes, *, filename: str, max_pixels: int) -> InspectedImage:
    """Check an upload without decoding its pixels. Raises ImageRejected.

    The file name only has to agree with the content: a known image extension naming
    another format is refused, an unknown extension is refused, no extension is fine.
    """
    image = _open(data, max_pixels=max_pixels)
    detected = "JPEG" if image.format == "MPO" else str(image.format)
    claimed = _claimed_format(filename)
    if claimed is not None and claimed != detected:
        raise ImageRejected(
            UNSUPPORTED_IMAGE,
            "The file's content does not match its name.",
            {"detected": detected.lower(), "name_says": claimed.lower()},
        )
    width, height = image.size
    try:
        image.verify()
    except _DECODE_ERRORS as error:
        raise ImageRejected(CORRUPT_IMAGE, "The image is damaged or incomplete.") from error
    _check_structure(data, str(image.format))
    return InspectedImage(
        format=detected, content_type=CONTENT_TYPES[detected], width=width, height=height
    )


def render_photo(data: bytes, *, max_pixels: int) -> RenderedPhoto:
    """Decode, orient, strip and encode. Deterministic for the same bytes. Raises
    ImageRejected when the pixels cannot be decoded."""
    image = _open(data, max_pixels=max_pixels)
    try:
        image.load()
        oriented = ImageOps.exif_transpose(image)
        clean = _rebuilt_from_pixels(oriented if oriented is not None else image)
    except _DECODE_ERRORS as error:
        raise ImageRejected(CORRUPT_IMAGE, "The image could not be decoded.") from error

    renditions: dict[str, EncodedImage] = {}
    current = clean
    # Largest first, each from the previous one: as sharp, and far cheaper than three
    # resamplings of a 40-megapixel original.
    for name, edge in sorted(RENDITION_EDGES.items(), key=lambda item: -item[1]):
        current = current.copy()
        current.thumbnail((edge, edge), Image.Resampling.LANCZOS)
        renditions[name] = EncodedImage(
            width=current.width, height=current.height, data=_webp(current)
        )
    return RenderedPhoto(
        width=clean.width,
        height=clean.height,
        blurhash=_blurhash(current),
        renditions=renditions,
    )


def _open(data: bytes, *, max_pixels: int) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data), formats=_DECODERS)
    except Image.DecompressionBombError as error:
        raise _too_many_pixels(max_pixels) from error
    except (UnidentifiedImageError, *_DECODE_ERRORS) as error:
        if _looks_accepted(data):
            raise _truncated() from error
        raise ImageRejected(
            UNSUPPORTED_IMAGE,
            "Only JPEG, PNG, WebP and HEIC/HEIF images are accepted.",
            {"accepted": ["jpeg", "png", "webp", "heic"]},
        ) from error
    if image.format not in CONTENT_TYPES:
        raise ImageRejected(UNSUPPORTED_IMAGE, "Only JPEG, PNG, WebP and HEIC/HEIF are accepted.")
    width, height = image.size
    if width < 1 or height < 1:
        raise ImageRejected(CORRUPT_IMAGE, "The image has no pixels.")
    if width * height > max_pixels:
        raise _too_many_pixels(max_pixels)
    return image


_HEIF_BRANDS = (b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1")


def _looks_accepted(data: bytes) -> bool:
    """The file starts like one of the accepted formats (so a failure to open it means it
    is damaged, not foreign)."""
    return (
        data.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n"))
        or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")
        or (data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS)
    )


def _too_many_pixels(max_pixels: int) -> ImageRejected:
    return ImageRejected(
        TOO_MANY_PIXELS, "The image has too many pixels.", {"max_pixels": max_pixels}
    )


def _claimed_format(filename: str) -> str | None:
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    if "." not in base.strip("."):
        return None
    extension = base.rsplit(".", 1)[-1].lower()
    claimed = _EXTENSIONS.get(extension)
    if claimed is None:
        raise ImageRejected(
            UNSUPPORTED_IMAGE,
            "Only JPEG, PNG, WebP and HEIC/HEIF images are accepted.",
            {"accepted": ["jpeg", "png", "webp", "heic"]},
        )
    return claimed


# --- Container structure: one complete image, nothing before or after it ---------------------


def _check_structure(data: bytes, image_format: str) -> None:
    if image_format in ("JPEG", "MPO"):
        end = _jpeg_stream_end(data, 0)
        # An MPO is several complete JPEG streams back to back; anything else is smuggled.
        while image_format == "MPO" and data[end : end + 2] == b"\xff\xd8":
            end = _jpeg_stream_end(data, end)
        _refuse_trailing(data, end)
    elif image_format == "PNG":
        _refuse_trailing(data, _png_end(data))
    elif image_format == "WEBP":
        _refuse_trailing(data, _riff_end(data))
    elif image_format == "HEIF":
        _check_iso_boxes(data)


def _truncated() -> ImageRejected:
    return ImageRejected(CORRUPT_IMAGE, "The image is damaged or incomplete.")


def _refuse_trailing(data: bytes, end: int) -> None:
    # Some encoders pad with zeros; any other byte after the image is hidden content.
    if data[end:].strip(b"\x00"):
        raise ImageRejected(
            UNSUPPORTED_IMAGE,
            "The file carries data after the image.",
            {"reason": "trailing_data"},
        )


def _jpeg_stream_end(data: bytes, start: int) -> int:
    """Offset just past the EOI marker of the JPEG stream starting at `start`."""
    size = len(data)
    if data[start : start + 2] != b"\xff\xd8":
        raise _truncated()
    position = start + 2
    while True:
        if position >= size or data[position] != 0xFF:
            raise _truncated()
        while position < size and data[position] == 0xFF:  # fill bytes
            position += 1
        if position >= size:
            raise _truncated()
        marker = data[position]
        position += 1
        if marker == 0xD9:  # EOI
            return position
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:  # no length
            continue
        if position + 2 > size:
            raise _truncated()
        length = int.from_bytes(data[position : position + 2], "big")
        if length < 2 or position + length > size:
            raise _truncated()
        position += length
        if marker == 0xDA:  # start of scan: entropy-coded data up to the next real marker
            position = _entropy_data_end(data, position)


def _entropy_data_end(data: bytes, position: int) -> int:
    size = len(data)
    while True:
        found = data.find(b"\xff", position)
        if found < 0 or found + 1 >= size:
            raise _truncated()
        following = data[found + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7:  # stuffed byte, restart marker
            position = found + 2
        elif following == 0xFF:
            position = found + 1
        else:
            return found


def _png_end(data: bytes) -> int:
    position = 8
    size = len(data)
    while True:
        if position + 12 > size:
            raise _truncated()
        length = int.from_bytes(data[position : position + 4], "big")
        chunk_type = data[position + 4 : position + 8]
        end = position + 12 + length
        if end > size:
            raise _truncated()
        crc = int.from_bytes(data[end - 4 : end], "big")
        if zlib.crc32(data[position + 4 : end - 4]) != crc:
            raise _truncated()
        position = end
        if chunk_type == b"IEND":
            return position


def _riff_end(data: bytes) -> int:
    if len(data) < 12:
        raise _truncated()
    declared = int.from_bytes(data[4:8], "little")
    end = 8 + declared + (declared & 1)
    if end > len(data):
        raise _truncated()
    return end


# Top-level boxes an ISO base media (HEIF) file may hold.
_ISO_TOP_LEVEL_BOXES = {
    b"ftyp",
    b"meta",
    b"mdat",
    b"moov",
    b"free",
    b"skip",
    b"uuid",
    b"pdin",
    b"moof",
    b"mfra",
    b"meco",
    b"styp",
    b"sidx",
    b"ssix",
    b"prft",
    b"wide",
}


def _check_iso_boxes(data: bytes) -> None:
    position = 0
    size = len(data)
    while position < size:
        if position + 8 > size:
            raise _truncated()
        box_size = int.from_bytes(data[position : position + 4], "big")
        box_type = data[position + 4 : position + 8]
        if box_type not in _ISO_TOP_LEVEL_BOXES or (position == 0 and box_type != b"ftyp"):
            raise ImageRejected(
                UNSUPPORTED_IMAGE,
                "The file carries data outside the image.",
                {"reason": "trailing_data"},
            )
        if box_size == 1:
            if position + 16 > size:
                raise _truncated()
            box_size = int.from_bytes(data[position + 8 : position + 16], "big")
        elif box_size == 0:
            box_size = size - position
        if box_size < 8 or position + box_size > size:
            raise _truncated()
        position += box_size


# --- Pixels -------------------------------------------------------------------------------------

_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def _rebuilt_from_pixels(image: Image.Image) -> Image.Image:
    """A new RGB image holding only the pixels, converted to sRGB: nothing of the file's
    metadata (EXIF, GPS, XMP, comments, ICC profile) is carried over."""
    icc_profile = image.info.get("icc_profile")
    has_alpha = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        image.mode == "P" and "transparency" in image.info
    )
    if has_alpha:
        # Flatten on white: a transparent area shown on a dark app theme would look broken.
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        background.alpha_composite(rgba)
        image = background.convert("RGB")
    rgb = _to_srgb(image, icc_profile) if icc_profile else None
    if rgb is None:
        rgb = image.convert("RGB")
    return Image.frombytes("RGB", rgb.size, rgb.tobytes())


def _to_srgb(image: Image.Image, icc_profile: bytes) -> Image.Image | None:
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        return ImageCms.profileToProfile(image, source, _SRGB, outputMode="RGB")
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        # A broken or mismatched profile: fall back to the plain conversion.
        return None


def _webp(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="WEBP", quality=WEBP_QUALITY, method=4)
    return buffer.getvalue()


def _blurhash(image: Image.Image) -> str:
    tiny = image.copy()
    tiny.thumbnail((_BLURHASH_EDGE, _BLURHASH_EDGE), Image.Resampling.BILINEAR)
    width, height = tiny.size
    pixels = list(tiny.get_flattened_data())
    rows = [pixels[row * width : (row + 1) * width] for row in range(height)]
    components_x, components_y = (4, 3) if width >= height else (3, 4)
    return str(blurhash.encode(rows, components_x=components_x, components_y=components_y))
