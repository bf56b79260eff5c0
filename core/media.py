"""Serves files of the disk storage (embedded mode) through the URLs it signed.

Only a URL made by `SignedFileSystemStorage.url()` for exactly this name, not yet expired,
gives the file; anything else (no signature, a forged or expired one, a name it was not made
for, another storage backend in use) is 404 in the error envelope, so that guessing says
nothing about which files exist. With S3 the presigned URLs go to the bucket and this view
serves nothing.
"""

import mimetypes
import time

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import storages
from django.http import FileResponse, HttpRequest
from django.http.response import HttpResponseBase
from django.views.decorators.csrf import csrf_exempt

from core.errors import error_response
from core.exceptions import ApplicationError, NotFound
from core.storage import SignedFileSystemStorage, media_signature_is_valid


class _MethodNotAllowed(ApplicationError):
    status_code = 405
    default_code = "method_not_allowed"
    default_message = "Media can only be read."


@csrf_exempt  # reads only; other methods get 405 in the error shape, not CSRF's HTML page
def serve_signed_media(request: HttpRequest, name: str) -> HttpResponseBase:
    if request.method not in ("GET", "HEAD"):
        response = error_response(_MethodNotAllowed())
        response["Allow"] = "GET, HEAD"
        return response
    storage = storages["default"]
    expires = request.GET.get("expires", "")
    signature = request.GET.get("signature", "")
    if not isinstance(storage, SignedFileSystemStorage) or not media_signature_is_valid(
        name, expires, signature, now=time.time()
    ):
        return error_response(NotFound())
    try:
        handle = storage.open(name, "rb")
    except (FileNotFoundError, IsADirectoryError, SuspiciousFileOperation):
        return error_response(NotFound())
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    file_response = FileResponse(handle, content_type=content_type)
    # The URL is the credential: keep it out of shared caches, and never let a browser
    # guess a type or run anything from the file.
    remaining = max(0, int(expires) - int(time.time()))
    file_response["Cache-Control"] = f"private, max-age={remaining}"
    file_response["X-Content-Type-Options"] = "nosniff"
    file_response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    file_response["Referrer-Policy"] = "no-referrer"
    return file_response
