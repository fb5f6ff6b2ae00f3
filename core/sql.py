"""SQL expressions the apps share, spelled for PostgreSQL and SQLite alike."""

from collections import OrderedDict
from collections.abc import Callable, Hashable
from threading import Lock

from django.db import connections, router
from django.db.models import Aggregate, Expression, Field, Func, JSONField, Model
from django.db.models.expressions import RawSQL


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


# Compiled expressions by (model, key, database vendor): a few per subscription's set of pools, so a bound keeps a
# long-running process from collecting them.
_COMPILED_MAX = 256
_compiled: OrderedDict[tuple, tuple[str, tuple, Field]] = OrderedDict()
_compiled_lock = Lock()


def compiled_once(model: type[Model], key: Hashable, build: Callable[[], Expression]) -> RawSQL:
    """`build()` — an expression over `model`'s rows that depends on nothing but `key` (a correlated Subquery with
    OuterRef, say) — as SQL compiled once per process and `key`, to annotate a query on `model`'s table. Django
    builds and compiles a subquery on every request: for a list page's masks of pools and a signed-in user's roles
    that cost more Python time than PostgreSQL took to run the statement (README, "Where a list page's time goes").
    The SQL names the outer table by its own name: annotate a query whose rows are `model`'s table itself, never one
    that is then nested in another query (Django would rename the table there, not inside the SQL)."""
    connection = connections[router.db_for_read(model)]
    cache_key = (model._meta.label, key, connection.vendor)
    with _compiled_lock:
        compiled = _compiled.get(cache_key)
        if compiled is not None:
            _compiled.move_to_end(cache_key)
    if compiled is None:
        expression = build()
        query = model._default_manager.annotate(compiled=expression).query
        annotation = query.annotations["compiled"]
        sql, params = query.get_compiler(connection=connection).compile(annotation)
        compiled = (sql, tuple(params), annotation.output_field)
        with _compiled_lock:
            _compiled[cache_key] = compiled
            while len(_compiled) > _COMPILED_MAX:
                _compiled.popitem(last=False)
    sql, params, output_field = compiled
    return RawSQL(sql, params, output_field=output_field)
