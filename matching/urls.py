"""Routes of likes, passes, rewind and matches (see apis)."""

from django.urls import path

from matching import apis

app_name = "matching"

urlpatterns = [
    path("matching/likes", apis.LikeApi.as_view(), name="likes"),
    path("matching/likes/received", apis.ReceivedLikesApi.as_view(), name="likes-received"),
    path("matching/passes", apis.PassApi.as_view(), name="passes"),
    path("matching/rewind", apis.RewindApi.as_view(), name="rewind"),
    path("matching/matches", apis.MatchListApi.as_view(), name="matches"),
    path("matching/matches/<uuid:match_id>", apis.MatchDetailApi.as_view(), name="match"),
    path(
        "matching/matches/<uuid:match_id>/unmatch",
        apis.UnmatchApi.as_view(),
        name="match-unmatch",
    ),
]
