"""The number of users holding a license of each subscription, and holding one directly, kept by the database
(core.models.RowCount): triggers on the holder rows count those that become held (`held`, `held_directly`) and
those that stop being held, per subscription, in the statement that moves them. The holder rows there are are
counted once here."""

from importlib import import_module

from django.db import migrations

row_counts = import_module("core.migrations.0009_row_counts")

HOLDERS = "licensing_subscriptionholder"
COUNTED = {"holders": "held", "direct_holders": "held_directly"}
OPERATIONS = ("insert", "update", "delete")
_COUNTED_SQL = ", ".join(f"'{counted}'" for counted in COUNTED)


def _deltas(column: str, *, added: bool, removed: bool) -> str:
    """Per subscription, the rows of the statement's new rows (`added`) held by `column`, less its old rows'
    (`removed`), where that is not zero, in subscription order."""
    parts = [f"SELECT subscription_id, 1 AS delta FROM added WHERE {column}"] if added else []
    parts += [f"SELECT subscription_id, -1 AS delta FROM removed WHERE {column}"] if removed else []
    return (
        f"SELECT subscription_id, sum(delta) FROM ({' UNION ALL '.join(parts)}) AS changed"
        " GROUP BY 1 HAVING sum(delta) <> 0 ORDER BY 1"
    )


def _moves(*, added: bool, removed: bool) -> str:
    return "".join(
        row_counts.slots_add(counted, _deltas(column, added=added, removed=removed))
        for counted, column in COUNTED.items()
    )


POSTGRESQL_CREATE = [
    f"""CREATE FUNCTION licensing_holders_count() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    whose bigint;
    moved bigint;
BEGIN
    IF TG_OP = 'INSERT' THEN{_moves(added=True, removed=False)}
    ELSIF TG_OP = 'DELETE' THEN{_moves(added=False, removed=True)}
    ELSIF TG_OP = 'UPDATE' THEN{_moves(added=True, removed=True)}
    ELSE
        DELETE FROM {row_counts.COUNTS} WHERE counted IN ({_COUNTED_SQL});
    END IF;
    RETURN NULL;
END $$""",
    f"CREATE TRIGGER licensing_holders_count_insert AFTER INSERT ON {HOLDERS} REFERENCING NEW TABLE AS added"
    " FOR EACH STATEMENT EXECUTE FUNCTION licensing_holders_count()",
    f"CREATE TRIGGER licensing_holders_count_update AFTER UPDATE ON {HOLDERS}"
    " REFERENCING NEW TABLE AS added OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION licensing_holders_count()",
    f"CREATE TRIGGER licensing_holders_count_delete AFTER DELETE ON {HOLDERS} REFERENCING OLD TABLE AS removed"
    " FOR EACH STATEMENT EXECUTE FUNCTION licensing_holders_count()",
    f"CREATE TRIGGER licensing_holders_count_truncate AFTER TRUNCATE ON {HOLDERS}"
    " FOR EACH STATEMENT EXECUTE FUNCTION licensing_holders_count()",
]
POSTGRESQL_DROP = [
    f"DROP TRIGGER licensing_holders_count_{name} ON {HOLDERS}" for name in (*OPERATIONS, "truncate")
] + ["DROP FUNCTION licensing_holders_count()"]

# SQLite: row triggers, per count: a row counts while its column holds, for its subscription.
_MOVED = "OLD.subscription_id IS NOT NEW.subscription_id"
SQLITE_CREATE = [
    statement
    for counted, column in COUNTED.items()
    for statement in (
        f"CREATE TRIGGER licensing_{counted}_count_insert AFTER INSERT ON {HOLDERS} WHEN NEW.{column}"
        f" BEGIN {row_counts.sqlite_add(counted, 'NEW.subscription_id')} END",
        f"CREATE TRIGGER licensing_{counted}_count_delete AFTER DELETE ON {HOLDERS} WHEN OLD.{column}"
        f" BEGIN {row_counts.sqlite_take(counted, 'OLD.subscription_id')} END",
        f"CREATE TRIGGER licensing_{counted}_count_update_off AFTER UPDATE ON {HOLDERS}"
        f" WHEN OLD.{column} AND (NOT NEW.{column} OR {_MOVED})"
        f" BEGIN {row_counts.sqlite_take(counted, 'OLD.subscription_id')} END",
        f"CREATE TRIGGER licensing_{counted}_count_update_on AFTER UPDATE ON {HOLDERS}"
        f" WHEN NEW.{column} AND (NOT OLD.{column} OR {_MOVED})"
        f" BEGIN {row_counts.sqlite_add(counted, 'NEW.subscription_id')} END",
    )
]
SQLITE_DROP = [
    f"DROP TRIGGER licensing_{counted}_count_{name}"
    for counted in COUNTED
    for name in ("insert", "delete", "update_off", "update_on")
]

BACKFILL = [
    f"INSERT INTO {row_counts.COUNTS} (counted, subject_id, slot, rows)"
    f" SELECT '{counted}', subscription_id, 0, count(*) FROM {HOLDERS} WHERE {column} GROUP BY 2"
    for counted, column in COUNTED.items()
]


def triggers_create(apps, schema_editor) -> None:
    """The triggers, then the holders there are (row_counts.counting says why in this order)."""
    statements = {"postgresql": POSTGRESQL_CREATE, "sqlite": SQLITE_CREATE}[schema_editor.connection.vendor]
    for statement in [*statements, *BACKFILL]:
        schema_editor.execute(statement, params=None)


def triggers_drop(apps, schema_editor) -> None:
    """The triggers, and the counts they kept (row_counts.count_triggers says why)."""
    statements = {"postgresql": POSTGRESQL_DROP, "sqlite": SQLITE_DROP}[schema_editor.connection.vendor]
    for statement in [*statements, f"DELETE FROM {row_counts.COUNTS} WHERE counted IN ({_COUNTED_SQL})"]:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("licensing", "0014_holders_updated_in_place"),
        ("core", "0009_row_counts"),
    ]

    operations = [migrations.RunPython(triggers_create, triggers_drop)]
