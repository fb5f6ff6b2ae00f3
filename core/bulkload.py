"""Loading many new rows at once (seed_demo's hundreds of thousands of users, an import's thousands, their audit
events): COPY on PostgreSQL, bulk_create elsewhere, and on PostgreSQL the table's secondary indexes built once
after the load instead of row by row.

COPY, not bulk_create's INSERT, because Django's psycopg cursors bind parameters on the client: bulk_create sends each
column as one array (Django 5.2's UNNEST), and psycopg quotes every element of those arrays in Python; for 10,000
audit events that was two thirds of their INSERT, and COPY writes them in a third of the time. COPY goes past
Django's cursor wrappers, so a query count does not see it: it is for loads, not for a single change."""

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

from django.db import connection, transaction
from django.db.models import JSONField, Model
from django.utils import timezone

BATCH_SIZE = 5000


def rows_insert(model: type[Model], rows: Iterable[dict]) -> None:
    """Insert one row of `model` per dict of field values; the other fields take their defaults, and auto_now
    fields the current time, as `save()` would give them. Returns nothing: a caller reads the keys back by a field
    of its own."""
    if connection.vendor != "postgresql":
        model.objects.bulk_create((model(**row) for row in rows), batch_size=BATCH_SIZE)
        return
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    now = timezone.now()
    stamped = {
        field.attname for field in fields if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    }

    def value(field, row: dict):
        if field.attname in stamped:
            return now
        value = row[field.attname] if field.attname in row else field.get_default()
        # psycopg adapts every value the fields hold as it is, but JSON (a dict or a list), which Django wraps.
        return field.get_db_prep_save(value, connection) if isinstance(field, JSONField) else value

    qn = connection.ops.quote_name
    columns = ", ".join(qn(field.column) for field in fields)
    copy_sql = f"COPY {qn(model._meta.db_table)} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(copy_sql) as copy:
        for row in rows:
            copy.write_row([value(field, row) for field in fields])


def objects_insert(objects: Sequence[Model]) -> None:
    """Insert unsaved `objects`, all of one model, as rows_insert does: their primary keys are not set (a caller reads
    them back by a field of its own)."""
    if not objects:
        return
    model = type(objects[0])
    fields = [field.attname for field in model._meta.concrete_fields if not field.primary_key]
    rows_insert(model, ({name: getattr(each, name) for name in fields} for each in objects))


@contextmanager
def indexes_deferred(model: type[Model], *, when: bool = True) -> Iterator[None]:
    """On PostgreSQL (and `when`), drop the table's unique constraints and secondary indexes (not its primary
    key), and build them again on the way out, in the same transaction: building an index once over a million rows
    is several times faster than updating a dozen of them row by row. Elsewhere, nothing."""
    if connection.vendor != "postgresql" or not when:
        yield
        return
    table = connection.ops.quote_name(model._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = %s::regclass AND contype = 'u'",
            [table],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index"
            " WHERE indrelid = %s::regclass AND NOT indisprimary"
            " AND indexrelid NOT IN (SELECT conindid FROM pg_constraint WHERE conrelid = %s::regclass)",
            [table, table],
        )
        indexes = cursor.fetchall()
        for name, _ in constraints:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {connection.ops.quote_name(name)}")
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {name}")
        yield
        # PostgreSQL builds no index on a table with foreign key checks still deferred: run them now.
        connection.check_constraints()
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for name, definition in constraints:
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}")
        for _, definition in indexes:
            cursor.execute(definition)
