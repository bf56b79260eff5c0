"""Own profile, location, verification and other people's public profiles."""

from rest_framework.views import APIView


class OwnProfileApi(APIView):
    pass


class LocationApi(APIView):
    pass


class VerificationApi(APIView):
    pass


class PublicProfileApi(APIView):
    pass
