"""The writes of one change in one round trip (docs/architecture.md, "One change, few statements").

A single license change inserts its rows, moves its pools' counters and records its audit events: three statements
that do not depend on each other's effects. On PostgreSQL they run as one statement, each a data-modifying WITH
query (all of them run, against the same snapshot, whatever the outer SELECT reads), and the outer SELECT returns
each one's row count; elsewhere they run one after the other. Either way the caller gets the same row counts, in
the same transaction, so the rest of the change does not know which ran.
"""

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass

from django.db import connection
from django.db.models import Model, QuerySet
from django.db.models.sql import DeleteQuery, InsertQuery, UpdateQuery

from .sql import Values, sql_once


@dataclass(frozen=True)
class Write:
    sql: str
    params: tuple


def insert_write(objs: Sequence[Model]) -> Write:
    """INSERT of new objects of one model (their primary keys are not read back), as bulk_create would."""
    model = type(objs[0])
    fields = [field for field in model._meta.concrete_fields if not field.generated and not field.primary_key]
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
    query = InsertQuery(model)
    query.insert_values(fields, objs)
    [(sql, params)] = query.get_compiler(connection=connection).as_sql()
    return Write(sql, tuple(params))


def update_write(queryset: QuerySet, **values) -> Write:
    """UPDATE of the rows of `queryset` to `values` (expressions allowed), as queryset.update would."""
    query = queryset.query.chain(UpdateQuery)
    query.add_update_values(values)
    sql, params = query.get_compiler(connection=connection).as_sql()
    return Write(sql, tuple(params))


def update_write_once(
    model: type[Model], key: Hashable, build: Callable[..., tuple[QuerySet, dict]], **values: Values
) -> Write:
    """update_write of what `build(**values)` gives (the rows of `model` and the values to set), which depends on
    nothing but `key` and the lists of values (ids) it is given, compiled once per `key` and length of each list
    (core.sql.sql_once): Django builds and compiles an UPDATE anew on every call, a tenth of a license change."""

    def compile(_connection, **markers) -> tuple:
        rows, to_set = build(**markers)
        write = update_write(rows, **to_set)
        return write.sql, write.params, None, []

    statement, params = sql_once(model, key, compile, **values)
    return Write(statement.sql, tuple(params))


def delete_write(queryset: QuerySet) -> Write:
    """DELETE of the rows of `queryset`, for a model no other row depends on (no cascade, no signals)."""
    sql, params = queryset.query.chain(DeleteQuery).get_compiler(connection=connection).as_sql()
    return Write(sql, tuple(params))


def writes_run(writes: Sequence[Write]) -> list[int]:
    """Run `writes` in the caller's transaction; the number of rows each wrote."""
    if connection.vendor != "postgresql":
        counts = []
        with connection.cursor() as cursor:
            for write in writes:
                cursor.execute(write.sql, write.params)
                counts.append(cursor.rowcount)
        return counts
    queries = ", ".join(f"w{index} AS ({write.sql} RETURNING 1)" for index, write in enumerate(writes))
    counts = ", ".join(f"(SELECT COUNT(*) FROM w{index})" for index in range(len(writes)))
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {queries} SELECT {counts}", tuple(param for write in writes for param in write.params))
        return list(cursor.fetchone())
