"""Photo input and output shapes."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from profiles.models import MAX_PHOTOS, ModerationState, Photo, PhotoStatus
from profiles.photo_selectors import photo_signed_urls


class PhotoUploadInput(serializers.Serializer):
    image = serializers.FileField(
        allow_empty_file=False,
        use_url=False,
        help_text="JPEG, PNG, WebP or HEIC/HEIF, at most 10 MB.",
    )


class PhotoReorderInput(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.UUIDField(),
        allow_empty=True,
        max_length=50,
        help_text="Every one of my photo ids, each once, in the new order; the first is primary.",
    )


class PhotoUrlsOutput(serializers.Serializer):
    small = serializers.CharField(help_text="About 200 px on the longest side, WebP.")
    medium = serializers.CharField(help_text="About 800 px on the longest side, WebP.")
    large = serializers.CharField(help_text="About 1600 px on the longest side, WebP.")


class _PhotoUrlsMixin(serializers.Serializer):
    urls = serializers.SerializerMethodField(
        help_text="Signed URLs that expire (KINDRED_MEDIA_URL_TTL); null until ready."
    )

    @extend_schema_field(PhotoUrlsOutput(allow_null=True))
    def get_urls(self, photo: Photo) -> dict[str, str] | None:
        return photo_signed_urls(photo=photo)


class PhotoOutput(_PhotoUrlsMixin):
    """One of my photos, as its owner sees it."""

    id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=PhotoStatus.choices)
    moderation_state = serializers.ChoiceField(choices=ModerationState.choices)
    position = serializers.IntegerField(help_text="0 is the primary photo.")
    is_primary = serializers.SerializerMethodField()
    blurhash = serializers.CharField(help_text="Placeholder while loading; empty until ready.")
    width = serializers.IntegerField(allow_null=True)
    height = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()

    def get_is_primary(self, photo: Photo) -> bool:
        return photo.position == 0


class PhotoListOutput(serializers.Serializer):
    results = PhotoOutput(many=True)
    next = serializers.CharField(allow_null=True, help_text="Always null: one page holds all.")
    count = serializers.IntegerField()
    max_photos = serializers.IntegerField(default=MAX_PHOTOS)


class PublicPhotoOutput(_PhotoUrlsMixin):
    """A photo as others see it (approved and ready only; see photo_list_public)."""

    id = serializers.UUIDField()
    blurhash = serializers.CharField()
    width = serializers.IntegerField(allow_null=True)
    height = serializers.IntegerField(allow_null=True)
