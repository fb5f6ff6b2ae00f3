"""SQL expressions the apps share, spelled for PostgreSQL and SQLite alike."""

from django.db.models import Aggregate, Func, JSONField


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
