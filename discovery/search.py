"""Matrimony-style search: filters over the profiles a viewer may see, sorted by an
allow-listed key and paged with an opaque keyset cursor.

Everyone found has passed `candidates_for(viewer)` first (two-way preferences, privacy
switches, blocks, passes, likes, matches), so search never shows more than the deck would,
only narrows it (distance aside: the deck's radius is the viewer's own wish, while here the
viewer chooses `max_distance_km` per search, up to the 500 km the preferences allow).

Location privacy (DESIGN.md §5): distances are computed between snapped points only, and the
`distance` sort orders by the *bucket* a card shows ("< 2 km", "7 km", "15 km"), then by id,
so the order reveals nothing finer than the label. The `age` sorts order by whole years, the
same granularity as the age filter, never by birth date.
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core import signing
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.http import QueryDict
from django.utils import timezone
from rest_framework import serializers

from accounts.models import User
from core.exceptions import ValidationFailed
from discovery.cells import cells_covering
from discovery.visibility import birth_date_window, candidates_for
from profiles import geo
from profiles.models import MAX_AGE, MIN_AGE, Education, IncomeBand, MaritalStatus, Profile
from profiles.photo_selectors import photo_public_queryset

MIN_HEIGHT_CM = 100
MAX_HEIGHT_CM = 250
MAX_SEARCH_DISTANCE_KM = 500
MAX_VALUES_PER_FILTER = 20

SORT_DISTANCE = "distance"
SORT_NEWEST = "newest"
SORT_AGE = "age"
SORT_AGE_DESCENDING = "-age"
SORT_KEYS = (SORT_DISTANCE, SORT_NEWEST, SORT_AGE, SORT_AGE_DESCENDING)

# Query parameters that are not filters.
PAGING_PARAMETERS = ("cursor", "limit")

_CURSOR_SALT = "discovery.search.cursor"


class SearchInput(serializers.Serializer):
    """The search's query parameters. List filters take repeated parameters
    (`religion=Hindu&religion=Jain`) and match any of the values; text matches ignore case."""

    age_min = serializers.IntegerField(required=False, min_value=MIN_AGE, max_value=MAX_AGE)
    age_max = serializers.IntegerField(required=False, min_value=MIN_AGE, max_value=MAX_AGE)
    height_min = serializers.IntegerField(
        required=False, min_value=MIN_HEIGHT_CM, max_value=MAX_HEIGHT_CM, help_text="cm"
    )
    height_max = serializers.IntegerField(
        required=False, min_value=MIN_HEIGHT_CM, max_value=MAX_HEIGHT_CM, help_text="cm"
    )
    religion = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, max_length=MAX_VALUES_PER_FILTER
    )
    community = serializers.ListField(
        child=serializers.CharField(max_length=60), required=False, max_length=MAX_VALUES_PER_FILTER
    )
    mother_tongue = serializers.ListField(
        child=serializers.CharField(max_length=3),
        required=False,
        max_length=MAX_VALUES_PER_FILTER,
        help_text="ISO 639-1 codes.",
    )
    education = serializers.ListField(
        child=serializers.ChoiceField(choices=Education.choices), required=False
    )
    income_band = serializers.ListField(
        child=serializers.ChoiceField(choices=IncomeBand.choices), required=False
    )
    marital_status = serializers.ListField(
        child=serializers.ChoiceField(choices=MaritalStatus.choices), required=False
    )
    max_distance_km = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_SEARCH_DISTANCE_KM
    )
    verified = serializers.BooleanField(
        required=False, default=False, help_text="true: verified profiles only."
    )
    has_photos = serializers.BooleanField(
        required=False, default=False, help_text="true: only profiles with an approved photo."
    )
    sort = serializers.ChoiceField(
        choices=SORT_KEYS,
        required=False,
        help_text=(
            "`distance` (default when you have a location): nearest distance bucket first, "
            "then by id; `newest`: most recently joined first; `age`: youngest first, "
            "`-age`: oldest first (whole years, then by id)."
        ),
    )
    limit = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="Page size, default 20, at most KINDRED_SEARCH_MAX_PAGE_SIZE (50).",
    )
    cursor = serializers.CharField(
        required=False, max_length=500, help_text="`next` of the previous page, as given."
    )

    def validate_limit(self, value: int) -> int:
        cap: int = settings.KINDRED_SEARCH_MAX_PAGE_SIZE
        if value > cap:
            raise serializers.ValidationError(f"Ensure this value is less than or equal to {cap}.")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        errors: dict[str, str] = {}
        for low, high in (("age_min", "age_max"), ("height_min", "height_max")):
            if low in attrs and high in attrs and attrs[low] > attrs[high]:
                errors[low] = f"Must not be greater than {high}."
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


@dataclass(frozen=True)
class SearchPage:
    profiles: list[Profile]
    next_cursor: str | None


def search_parse(query_params: QueryDict) -> dict[str, Any]:
    """Validate the query string; unknown parameters are refused (400 listing each), so a
    misspelt filter never silently returns everything."""
    allowed = set(SearchInput().fields)
    unknown = sorted(set(query_params.keys()) - allowed)
    if unknown:
        raise ValidationFailed(
            "Unknown query parameters.",
            extra={"fields": {name: ["Unknown query parameter."] for name in unknown}},
        )
    serializer = SearchInput(data=query_params)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


# --- SQL pieces over snapped coordinates --------------------------------------------------------


def _distance_sql(latitude: float, longitude: float) -> tuple[str, tuple[float, ...]]:
    """Haversine in SQL, the same formula as `profiles.geo.distance_km`."""
    table = Profile._meta.db_table
    sql = (
        f"(2 * {geo.EARTH_RADIUS_KM} * asin(least(1.0, sqrt("
        f'power(sin(radians("{table}"."latitude" - %s) / 2), 2) + '
        f'cos(radians(%s)) * cos(radians("{table}"."latitude")) * '
        f'power(sin(radians("{table}"."longitude" - %s) / 2), 2)))))'
    )
    return sql, (latitude, latitude, longitude)


def distance_expression(latitude: float, longitude: float) -> RawSQL:
    sql, params = _distance_sql(latitude, longitude)
    return RawSQL(sql, params)  # noqa: S611  (fixed SQL; values are bound parameters)


def distance_bucket_expression(latitude: float, longitude: float) -> RawSQL:
    """The number in the bucket label (0 for "< 2 km"), as `geo.distance_bucket` makes it."""
    sql, params = _distance_sql(latitude, longitude)
    return RawSQL(  # noqa: S611  (fixed SQL; values are bound parameters)
        f"(CASE WHEN {sql} < 2 THEN 0 WHEN {sql} <= 10 THEN ceil({sql})::integer "
        f"ELSE (5 * ceil({sql} / 5))::integer END)",
        params * 4,
    )


def within_distance(
    queryset: QuerySet[Profile],
    *,
    latitude: float,
    longitude: float,
    radius_km: float,
    within_their_wish: bool = False,
) -> QuerySet[Profile]:
    """Profiles within `radius_km` of a snapped point: the discovery cells covering the circle
    (the partial covering index), then the exact great-circle recheck. Annotates
    `search_distance_km`. `within_their_wish`: also within each candidate's own maximum."""
    queryset = (
        queryset.filter(cell__in=cells_covering(latitude, longitude, radius_km))
        .annotate(search_distance_km=distance_expression(latitude, longitude))
        .filter(search_distance_km__lte=radius_km)
    )
    if within_their_wish:
        queryset = queryset.filter(search_distance_km__lte=F("max_distance_km"))
    return queryset


def _age_years_expression(today: date) -> RawSQL:
    table = Profile._meta.db_table
    sql = f'date_part(\'year\', age(%s::date, "{table}"."birth_date"))::integer'
    return RawSQL(sql, (today,))  # noqa: S611  (fixed SQL; the date is a bound parameter)


# --- The selector -----------------------------------------------------------------------------


def search_profiles_for_viewer(
    *, viewer: User, filters: dict[str, Any], today: date | None = None
) -> SearchPage:
    """One page of search results for `viewer` (filters as returned by `search_parse`).

    Raises ValidationFailed 400 `location_required` for a distance filter or sort without a
    location of one's own, and 400 `validation_error` (field `cursor`) for a cursor that was
    not issued by this search or belongs to another sort.
    """
    today = today or timezone.localdate()
    profile = Profile.objects.get(pk=viewer.pk)
    has_location = profile.latitude is not None and profile.longitude is not None
    sort = filters.get("sort") or (SORT_DISTANCE if has_location else SORT_NEWEST)
    if not has_location and (sort == SORT_DISTANCE or "max_distance_km" in filters):
        raise ValidationFailed(
            "Set your location to search or sort by distance.", code="location_required"
        )
    limit: int = filters.get("limit") or settings.REST_FRAMEWORK["PAGE_SIZE"]

    queryset = _filtered(candidates_for(profile, today=today), profile, filters, today)
    queryset, ordering = _sorted(queryset, profile, sort, today)
    cursor = filters.get("cursor")
    if cursor:
        queryset = _after(queryset, sort, _cursor_load(cursor, sort))

    rows = list(queryset.prefetch_related("interests").order_by(*ordering)[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = _cursor_dump(sort, last.search_sort_key, last.pk)  # type: ignore[attr-defined]
    return SearchPage(profiles=rows, next_cursor=next_cursor)


def _filtered(
    queryset: QuerySet[Profile], viewer: Profile, filters: dict[str, Any], today: date
) -> QuerySet[Profile]:
    if "age_min" in filters or "age_max" in filters:
        earliest, latest = birth_date_window(
            filters.get("age_min", MIN_AGE), filters.get("age_max", MAX_AGE), today=today
        )
        queryset = queryset.filter(birth_date__range=(earliest, latest))
    if "height_min" in filters:
        queryset = queryset.filter(height_cm__gte=filters["height_min"])
    if "height_max" in filters:
        queryset = queryset.filter(height_cm__lte=filters["height_max"])
    for name in ("religion", "community", "mother_tongue"):
        values = filters.get(name)
        if values:
            any_of = Q()
            for value in values:
                any_of |= Q(**{f"{name}__iexact": value.strip()})
            queryset = queryset.filter(any_of)
    for name in ("education", "income_band", "marital_status"):
        if filters.get(name):
            queryset = queryset.filter(**{f"{name}__in": filters[name]})
    if filters.get("verified"):
        queryset = queryset.filter(is_verified=True)
    if filters.get("has_photos"):
        queryset = queryset.filter(
            Exists(photo_public_queryset().filter(profile_id=OuterRef("pk")))
        )
    if "max_distance_km" in filters:
        assert viewer.latitude is not None
        assert viewer.longitude is not None
        queryset = within_distance(
            queryset,
            latitude=viewer.latitude,
            longitude=viewer.longitude,
            radius_km=filters["max_distance_km"],
        )
    return queryset


def _sorted(
    queryset: QuerySet[Profile], viewer: Profile, sort: str, today: date
) -> tuple[QuerySet[Profile], tuple[str, str]]:
    if sort == SORT_DISTANCE:
        assert viewer.latitude is not None
        assert viewer.longitude is not None
        key = distance_bucket_expression(viewer.latitude, viewer.longitude)
        queryset = queryset.filter(latitude__isnull=False)
        return queryset.annotate(search_sort_key=key), ("search_sort_key", "pk")
    if sort == SORT_NEWEST:
        return queryset.annotate(search_sort_key=F("created_at")), ("-search_sort_key", "-pk")
    queryset = queryset.annotate(search_sort_key=_age_years_expression(today))
    if sort == SORT_AGE:
        return queryset, ("search_sort_key", "pk")
    return queryset, ("-search_sort_key", "-pk")


def _is_descending(sort: str) -> bool:
    return sort in (SORT_NEWEST, SORT_AGE_DESCENDING)


def _after(queryset: QuerySet[Profile], sort: str, position: tuple[Any, UUID]) -> QuerySet[Profile]:
    key, last_id = position
    if _is_descending(sort):
        return queryset.filter(Q(search_sort_key__lt=key) | Q(search_sort_key=key, pk__lt=last_id))
    return queryset.filter(Q(search_sort_key__gt=key) | Q(search_sort_key=key, pk__gt=last_id))


# --- The cursor: signed, so that it is opaque and cannot be forged -----------------------------


def _cursor_dump(sort: str, key: Any, last_id: UUID) -> str:
    value = key.isoformat() if isinstance(key, datetime) else key
    return signing.dumps({"s": sort, "k": value, "i": str(last_id)}, salt=_CURSOR_SALT)


def _cursor_load(cursor: str, sort: str) -> tuple[Any, UUID]:
    invalid = ValidationFailed(
        extra={"fields": {"cursor": ["Invalid cursor: start again without one."]}}
    )
    try:
        payload = signing.loads(cursor, salt=_CURSOR_SALT)
        if payload["s"] != sort:
            raise invalid
        key = payload["k"]
        if sort == SORT_NEWEST:
            key = datetime.fromisoformat(key)
        elif not isinstance(key, int):
            raise invalid
        return key, UUID(payload["i"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as error:
        raise invalid from error
