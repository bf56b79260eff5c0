"""Media on local disk (the embedded mode) behind signed, expiring URLs.

S3 hands out presigned URLs; this storage does the same for files on disk so that clients
and the code that builds URLs behave identically in both modes. A URL names one file and
carries its expiry and an HMAC over both, made with SECRET_KEY: `core.media` serves a file
only for a URL that this storage signed and that has not expired, so a private object (an
original upload, a verification selfie) is reachable only where the server chose to sign it.
"""

import os
import time
from urllib.parse import urlencode

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.deconstruct import deconstructible

_SALT = "core.storage.SignedFileSystemStorage"


def media_signature(name: str, expires: int, *, secret: str | None = None) -> str:
    """HMAC-SHA256 over the storage name and the expiry (Unix seconds)."""
    return salted_hmac(_SALT, f"{name}\n{expires}", secret=secret, algorithm="sha256").hexdigest()


def media_signature_is_valid(name: str, expires: str, signature: str, *, now: float) -> bool:
    """True when `signature` was made for exactly this name and expiry, and it is not past.

    Accepts signatures made with SECRET_KEY_FALLBACKS too, so that rotating the key does
    not break URLs already handed out.
    """
    if not expires.isdigit() or int(expires) < now:
        return False
    for secret in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]:
        if constant_time_compare(signature, media_signature(name, int(expires), secret=secret)):
            return True
    return False


@deconstructible(path="core.storage.SignedFileSystemStorage")
class SignedFileSystemStorage(FileSystemStorage):
    """FileSystemStorage whose `url()` is signed and expires after KINDRED_MEDIA_URL_TTL.

    Deleting a file also removes the folders it leaves empty, so that deleted photos leave
    no trace of their ids on disk.
    """

    def url(self, name: str | None, *, expire: int | None = None) -> str:
        if name is None:
            raise ValueError("A file name is required to build its URL.")
        lifetime = settings.KINDRED_MEDIA_URL_TTL if expire is None else expire
        expires = int(time.time()) + int(lifetime)
        name = name.replace("\\", "/").lstrip("/")
        query = urlencode({"expires": expires, "signature": media_signature(name, expires)})
        return f"{super().url(name)}?{query}"

    def delete(self, name: str) -> None:
        super().delete(name)
        self._remove_empty_parents(name)

    def _remove_empty_parents(self, name: str) -> None:
        root = os.path.realpath(self.location)
        folder = os.path.dirname(os.path.realpath(self.path(name)))
        while folder.startswith(root + os.sep):
            try:
                os.rmdir(folder)
            except OSError:  # not empty (or already gone): stop climbing
                return
            folder = os.path.dirname(folder)
