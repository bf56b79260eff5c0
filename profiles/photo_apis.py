"""My photos: list, upload, reorder, delete."""

from typing import Any
from uuid import UUID

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from accounts.authentication import AuthenticatedRequest
from core.schema import error_responses
from core.validation import validated
from profiles.models import MAX_PHOTOS, Photo
from profiles.photo_selectors import photo_list_for_owner
from profiles.photo_serializers import (
    PhotoListOutput,
    PhotoOutput,
    PhotoReorderInput,
    PhotoUploadInput,
)
from profiles.photo_services import photo_delete, photo_reorder, photo_upload
from profiles.throttles import PhotoUploadThrottle


def _list_body(photos: list[Photo]) -> dict[str, Any]:
    # At most MAX_PHOTOS: one page always holds them all.
    body = {"results": photos, "next": None, "count": len(photos), "max_photos": MAX_PHOTOS}
    return dict(PhotoListOutput(body).data)


class PhotoListCreateApi(APIView):
    parser_classes = [MultiPartParser]

    def get_throttles(self) -> list[BaseThrottle]:
        return [PhotoUploadThrottle()] if self.request.method == "POST" else []

    @extend_schema(
        operation_id="profile_photos_list",
        summary="My photos",
        description=(
            "All my photos in order, whatever their state. `urls` are signed and expire; "
            "they are null until processing is done."
        ),
        responses={200: PhotoListOutput, **error_responses(401)},
        tags=["profile"],
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        return Response(_list_body(list(photo_list_for_owner(user=request.user))))

    @extend_schema(
        operation_id="profile_photos_upload",
        summary="Upload a photo",
        description=(
            "Multipart field `image`: JPEG, PNG, WebP or HEIC/HEIF. Answers 201 with status "
            "`processing` (urls null); renditions follow shortly, then the photo waits for "
            "moderation before others see it. Refusals: 413 `photo_too_large` (over 10 MB); "
            "400 `unsupported_image` (other formats, content not matching the file name, "
            "data hidden after the image), `corrupt_image` (truncated or damaged), "
            "`image_too_many_pixels`; 409 `photo_limit_reached` (6 photos); 503 "
            "`storage_unavailable`."
        ),
        request={"multipart/form-data": PhotoUploadInput},
        responses={201: PhotoOutput, **error_responses(400, 401, 409, 413, 503)},
        tags=["profile"],
    )
    def post(self, request: AuthenticatedRequest) -> Response:
        data = validated(PhotoUploadInput, request.data)
        photo = photo_upload(user=request.user, image=data["image"])
        return Response(PhotoOutput(photo).data, status=status.HTTP_201_CREATED)


class PhotoReorderApi(APIView):
    @extend_schema(
        operation_id="profile_photos_reorder",
        summary="Reorder my photos",
        description=(
            "`ids` lists every one of my photos exactly once, in the new order; the first "
            "becomes the primary photo (which drops the verified badge until verified "
            "again). 400 `photo_order_mismatch` with `extra.missing`, `extra.unknown` and "
            "`extra.repeated` otherwise."
        ),
        request=PhotoReorderInput,
        responses={200: PhotoListOutput, **error_responses(400, 401)},
        tags=["profile"],
    )
    def post(self, request: AuthenticatedRequest) -> Response:
        data = validated(PhotoReorderInput, request.data)
        photos = photo_reorder(user=request.user, photo_ids=data["ids"])
        return Response(_list_body(photos))


class PhotoDetailApi(APIView):
    @extend_schema(
        operation_id="profile_photos_delete",
        summary="Delete one of my photos",
        description="The files go too. 404 for unknown ids and other people's photos.",
        responses={204: OpenApiResponse(description="Deleted."), **error_responses(401, 404)},
        tags=["profile"],
    )
    def delete(self, request: AuthenticatedRequest, photo_id: UUID) -> Response:
        photo_delete(user=request.user, photo_id=photo_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
