"""SQL expressions the apps share, spelled for PostgreSQL and SQLite alike."""

import uuid
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from threading import Lock

from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import Aggregate, Expression, Func, JSONField, Model, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.sql import Query
from django.db.transaction import TransactionManagementError


class JSONList(Aggregate):
    """The values as one JSON array (PostgreSQL's JSONB_AGG, SQLite's JSON_GROUP_ARRAY), so that a row carries
    the many rows of another table it relates to in its own query. NULL over no rows."""

    function = "JSONB_AGG"
    output_field = JSONField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="JSON_GROUP_ARRAY", **extra_context)


class JSONRow(Func):
    """Its arguments as one JSON array. Django's JSONObject would do, but on SQLite its first use on a connection
    probes the JSON support with queries of its own, which would make a page's query count depend on what ran
    before it."""

    function = "JSONB_BUILD_ARRAY"
    output_field = JSONField()

    def as_sqlite(self, compiler, connection, **extra_context):
        # SQLite keeps JSON as text: a JSON column goes in through JSON(), or it would be nested as a string.
        row = self.copy()
        row.set_source_expressions(
            [
                Func(expression, function="JSON", output_field=JSONField())
                if isinstance(expression.output_field, JSONField)
                else expression
                for expression in self.get_source_expressions()
            ]
        )
        return super(JSONRow, row).as_sql(compiler, connection, function="JSON_ARRAY", **extra_context)


# Compiled expressions and statements by (model, key, database vendor): a few per subscription's set of pools, so a
# bound keeps a long-running process from collecting them.
_COMPILED_MAX = 256
_compiled: OrderedDict[tuple, object] = OrderedDict()
_compiled_lock = Lock()


_MISSING = object()


def _cached(cache_key: tuple, compile: Callable[[], object]) -> object:
    with _compiled_lock:
        compiled = _compiled.get(cache_key, _MISSING)
        if compiled is not _MISSING:
            _compiled.move_to_end(cache_key)
            return compiled
    compiled = compile()
    with _compiled_lock:
        _compiled[cache_key] = compiled
        while len(_compiled) > _COMPILED_MAX:
            _compiled.popitem(last=False)
    return compiled


def compiled_once(model: type[Model], key: Hashable, build: Callable[[], Expression]) -> RawSQL:
    """`build()` — an expression over `model`'s rows that depends on nothing but `key` (a correlated Subquery with
    OuterRef, say) — as SQL compiled once per process and `key`, to annotate a query on `model`'s table. Django
    builds and compiles a subquery on every request: for a list page's masks of pools and a signed-in user's roles
    that cost more Python time than PostgreSQL took to run the statement (README, "Where a list page's time goes").
    The SQL names the outer table by its own name: annotate a query whose rows are `model`'s table itself, never one
    that is then nested in another query (Django would rename the table there, not inside the SQL)."""
    connection = connections[router.db_for_read(model)]

    def compile() -> tuple:
        query = model._default_manager.annotate(compiled=build()).query
        annotation = query.annotations["compiled"]
        sql, params = query.get_compiler(connection=connection).compile(annotation)
        return sql, tuple(params), annotation.output_field

    sql, params, output_field = _cached((model._meta.label, key, connection.vendor), compile)
    return RawSQL(sql, params, output_field=output_field)


# Values stand in for a statement's own values while it is compiled (statement_once): ids far below any primary
# key, text no one sends, UUIDs no one makes, so that their places among the statement's parameters can be found
# and filled with each call's values.
_MARKER_BASE = -(1 << 62)
_MARKERS_PER_LIST = 1 << 20
_UUID_MARKER_BASE = 0x5157_0CE0 << 96


def _marker(example: int | str | uuid.UUID, number: int, index: int) -> int | str | uuid.UUID:
    if isinstance(example, str):
        return f"\0statement_once {number} {index}\0"
    if isinstance(example, uuid.UUID):
        return uuid.UUID(int=_UUID_MARKER_BASE + number * _MARKERS_PER_LIST + index)
    return _MARKER_BASE + number * _MARKERS_PER_LIST + index


def _places(markers: dict[str, list]) -> dict:
    """Where each value goes: by its marker as a parameter, the list it is of, its index there and whether it goes
    as hex (a UUID where the database has no UUID type, SQLite, takes its hex text)."""
    places = {}
    for name, listed in markers.items():
        for index, marker in enumerate(listed):
            places[marker] = (name, index, False)
            if isinstance(marker, uuid.UUID):
                places[marker.hex] = (name, index, True)
    return places


def _place(values_at: dict, param) -> tuple | None:
    """Where a value goes, if `param` is one of the markers (_places)."""
    return values_at.get(param) if isinstance(param, (int, str, uuid.UUID)) else None


@dataclass(frozen=True)
class _Statement:
    sql: str
    params: tuple
    values_at: dict  # a marker: the list of values and the index in it it stands for, and whether as hex (_places)
    query: Query
    columns: list  # the selected expressions, whose converters turn database values into Python ones


Values = Sequence[int] | Sequence[str] | Sequence[uuid.UUID]


def sql_once(
    model: type[Model], key: Hashable, compile: Callable[..., tuple[str, Sequence, Query, list]], **values: Values
) -> tuple[_Statement, list] | None:
    """`compile(connection, **values)` — the SQL and parameters, query and selected columns of a statement that
    depends on nothing but `key` and the lists of values (ids, or text) it is given — compiled once per process,
    `key`, database vendor and length of each list: the statement and this call's parameters, the values put where
    the compiled ones stood (None when it can match nothing). statement_once runs a query this way; a change's
    UPDATE of counters is compiled this way too (core.writes.update_write_once)."""
    connection = connections[router.db_for_read(model)]
    shape = tuple(
        sorted((name, len(listed), type(listed[0]).__name__ if listed else "") for name, listed in values.items())
    )

    def compiled() -> _Statement | None:
        markers = {
            name: [_marker(each, number, index) for index, each in enumerate(listed)]
            for number, (name, listed) in enumerate(sorted(values.items()))
        }
        try:
            sql, params, query, columns = compile(connection, **markers)
        except EmptyResultSet:  # no values, or a condition that nothing can meet
            return None
        values_at = _places(markers)
        found = [each for param in params for each in (param if isinstance(param, list) else [param])]
        placed = {place[:2] for each in found if (place := _place(values_at, each))}
        if len(placed) < sum(len(listed) for listed in markers.values()):
            raise ValueError(f"sql_once: some values of {key!r} are not parameters of its statement")
        return _Statement(sql, tuple(params), values_at, query, columns)

    statement = _cached((model._meta.label, key, shape, connection.vendor), compiled)
    if statement is None:
        return None

    def filled(param):
        if isinstance(param, list):
            return [filled(each) for each in param]
        if place := _place(statement.values_at, param):
            name, index, as_hex = place
            return values[name][index].hex if as_hex else values[name][index]
        return param

    return statement, [filled(param) for param in statement.params]


def statement_once(model: type[Model], key: Hashable, build: Callable[..., QuerySet], **values: Values) -> list[list]:
    """The rows of `build(**values)` — a values_list query that depends on nothing but `key` and the lists of
    values (ids, or text) it is given — run as SQL compiled once per process, `key`, database vendor and length of
    each list, with this call's values in its parameters (sql_once). Django builds and compiles a whole statement on
    every call: for the licenses read back after a change, that was three times the time PostgreSQL took to answer
    (README, "One license change"). Each row is a list, its values converted as Django's values_list would."""

    def compile(connection, **markers) -> tuple:
        compiler = build(**markers).query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        return sql, params, compiler.query, [selected[0] for selected in compiler.select[: compiler.col_count]]

    once = sql_once(model, key, compile, **values)
    if once is None:
        return []
    statement, params = once
    connection = connections[router.db_for_read(model)]
    if statement.query.select_for_update and connection.get_autocommit():
        # Django checks this when it compiles (where the database locks rows), which here is once: checked on every
        # call instead, on every database.
        raise TransactionManagementError("select_for_update cannot be used outside of a transaction.")
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, params)
        rows = cursor.fetchall()
    compiler = statement.query.get_compiler(connection=connection)
    converters = compiler.get_converters(statement.columns)
    return list(compiler.apply_converters(rows, converters)) if converters else [list(row) for row in rows]
