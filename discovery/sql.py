"""Reusing the ORM's conditions inside hand-written SQL.

The hottest discovery queries (ring-by-ring candidates, ranking features) are written as SQL
templates, because building and compiling a Django query per ring cost more than the query
itself. Their conditions still come from querysets, compiled once per call, so visibility
rules and "public photo" rules keep one definition.
"""

from typing import Any

from django.db import connection
from django.db.models import QuerySet


def where_sql(queryset: QuerySet[Any]) -> tuple[str, list[Any]]:
    """The WHERE condition of `queryset` as SQL with `%s` placeholders, and its parameters.
    Columns are qualified with the model's table name ("profiles_profile"."cell"), so the
    SQL it goes into must read that table under its own name."""
    query = queryset.query
    if not query.where:
        return "TRUE", []
    sql, params = query.get_compiler(connection=connection).compile(query.where)
    return sql, list(params)
