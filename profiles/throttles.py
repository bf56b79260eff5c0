from core.throttling import UserThrottle


class PhotoUploadThrottle(UserThrottle):
    """Uploads are costly (storage, processing, moderation): a cap per person."""

    scope = "photo_upload_user"


class VerificationSubmitThrottle(UserThrottle):
    scope = "verification_user"
