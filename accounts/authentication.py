import functools
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Field, Model, OneToOneRel
from django.db.models.sql import Query
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone
from rest_framework.request import Request
from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import Token

from accounts.models import User
from accounts.services import user_ensure_may_sign_in
from accounts.tokens import TOKEN_VERSION_CLAIM


class AuthenticatedRequest(Request):
    """The request of a view that requires authentication: `user` is a real account."""

    user: User


class JWTAuthentication(authentication.JWTAuthentication):
    """simplejwt's bearer authentication, plus the checks that make revocation immediate.

    On every request: the account must be active, not banned or suspended, and the token's
    version must equal the user's current one (logout-all, password change and bans raise
    it). `last_seen_at` is refreshed at most every KINDRED_LAST_SEEN_RESOLUTION.
    """

    def get_user(self, validated_token: Token) -> User:  # type: ignore[override]
        user_id = validated_token.get(api_settings.USER_ID_CLAIM)
        if user_id is None:
            raise InvalidToken("The token carries no user.")
        try:
            user = user_get_with_relations(
                user_id=user_id, relations=settings.KINDRED_AUTH_SELECT_RELATED
            )
        except (User.DoesNotExist, ValueError, ValidationError):
            raise AuthenticationFailed(
                "This account no longer exists.", code="user_not_found"
            ) from None
        if not user.is_active:
            raise AuthenticationFailed("This account is no longer active.", code="account_inactive")
        if validated_token.get(TOKEN_VERSION_CLAIM) != user.token_version:
            raise AuthenticationFailed("This session has been signed out.", code="token_revoked")
        user_ensure_may_sign_in(user=user)
        _touch_last_seen(user)
        return user


@dataclass(frozen=True)
class _UserQuery:
    sql: str
    user_fields: list[str]
    # (accessor on the user, related model, its fields, position of its key among them)
    relations: list[tuple[str, type[Model], list[str], int]]
    compiler: SQLCompiler
    converters: dict[int, Any]


@functools.cache
def _user_query(relations: tuple[str, ...], alias: str) -> _UserQuery:
    """The statement that loads a user and their one-to-one `relations` (reverse one-to-one
    accessors such as "profile"), written once per process from the models' metadata."""
    quote = connections[alias].ops.quote_name

    def column(table: str, field: "Field[Any, Any]") -> str:
        return f"{table}.{quote(str(field.column))}"

    fields = list(User._meta.concrete_fields)
    columns = [column("u", field) for field in fields]
    expressions = [field.get_col("u") for field in fields]
    joins = []
    loaded: list[tuple[str, type[Model], list[str], int]] = []
    for index, name in enumerate(relations):
        relation = User._meta.get_field(name)
        if not isinstance(relation, OneToOneRel):
            raise ValueError(f"{name!r} is not a reverse one-to-one relation of User")
        model = relation.related_model
        assert isinstance(model, type)
        table = f"r{index}"
        related_fields = list(model._meta.concrete_fields)
        columns += [column(table, field) for field in related_fields]
        expressions += [field.get_col(table) for field in related_fields]
        joins.append(
            f"LEFT JOIN {quote(model._meta.db_table)} {table} ON"
            f" {column(table, relation.field)} = {column('u', relation.field.target_field)}"
        )
        loaded.append(
            (
                name,
                model,
                [field.attname for field in related_fields],
                related_fields.index(model._meta.pk),
            )
        )
    sql = (
        f"SELECT {', '.join(columns)} FROM {quote(User._meta.db_table)} u {' '.join(joins)}"  # noqa: S608 (model tables and columns; the key is a parameter)
        f" WHERE {column('u', User._meta.pk)} = %s"
    )
    compiler = Query(User).get_compiler(using=alias)
    return _UserQuery(
        sql=sql,
        user_fields=[field.attname for field in fields],
        relations=loaded,
        compiler=compiler,
        converters=compiler.get_converters(expressions),
    )


def user_get_with_relations(*, user_id: Any, relations: tuple[str, ...]) -> User:
    """The user with the given key and, in the same query, the reverse one-to-one
    `relations` every request needs (KINDRED_AUTH_SELECT_RELATED), as `select_related`
    would load them. Written out once instead of compiled by the ORM on every request:
    compiling the select_related query cost 0.9 ms of CPU, more than running it. Raises
    User.DoesNotExist, or ValidationError for a key that is not a UUID."""
    user_id = User._meta.pk.to_python(user_id)
    query = _user_query(tuple(relations), DEFAULT_DB_ALIAS)
    with connection.cursor() as cursor:
        cursor.execute(query.sql, [user_id])
        rows = cursor.fetchall()
    if not rows:
        raise User.DoesNotExist
    row = list(rows[0])
    if query.converters:
        row = next(iter(query.compiler.apply_converters([row], query.converters)))
    user_count = len(query.user_fields)
    user = User.from_db(DEFAULT_DB_ALIAS, query.user_fields, row[:user_count])
    position = user_count
    for name, model, fields, key_index in query.relations:
        values = row[position : position + len(fields)]
        position += len(fields)
        if values[key_index] is not None:
            setattr(user, name, model.from_db(DEFAULT_DB_ALIAS, fields, values))
    return user


def _touch_last_seen(user: User) -> None:
    now = timezone.now()
    if user.last_seen_at is None or now - user.last_seen_at > settings.KINDRED_LAST_SEEN_RESOLUTION:
        User.objects.filter(pk=user.pk).update(last_seen_at=now)
        user.last_seen_at = now
