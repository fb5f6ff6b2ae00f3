"""`field__any_of=ids`: membership in a long list of ids as one array parameter on PostgreSQL (`= ANY(%s)`).

`__in` sends one placeholder per id: with thousands of ids, building the statement (Django's compiler, then
psycopg's scan of the query for placeholders) cost a third of a bulk change's time. SQLite has no arrays, so
there it is the same `IN (...)`; callers keep chunking their ids for SQLite's limit on parameters."""

from collections.abc import Sequence

from django.db import connection
from django.db.models import Field, ForeignObject, Lookup


def in_ids_sql(column: str, ids: Sequence[int]) -> tuple[str, list]:
    """The condition `column` is one of `ids`, and its parameters, for raw SQL."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [list(ids)]
    return f"{column} IN ({', '.join(['%s'] * len(ids))})", list(ids)


@ForeignObject.register_lookup
@Field.register_lookup
class AnyOf(Lookup):
    lookup_name = "any_of"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        return "%s", [list(value)]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        condition, params = in_ids_sql(lhs, self.rhs)
        return condition, [*lhs_params, *params]
