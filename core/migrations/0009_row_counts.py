"""RowCount, and the triggers that keep the audit events' count (its docstring). `counting` starts counting any
table's rows, for the migrations of the apps whose tables are counted (accounts 0015); `slots_add`, `sqlite_add`
and `sqlite_take` are the pieces of those triggers, for counts of another shape (licensing 0015)."""

from django.db import migrations, models

COUNTS = "core_rowcount"


def slots_add(counted: str, deltas: str) -> str:
    """PL/pgSQL adding the rows of each (subject, rows) that the query `deltas` yields, in its order, to a slot of
    `counted` for that subject that no other transaction holds (SKIP LOCKED), or to a new slot when every one is
    held: two writers never wait for each other here, so the counts take no place in the lock order
    (docs/architecture.md). Declares nothing: the function declares `whose` and `moved` (bigint)."""
    return f"""
        FOR whose, moved IN {deltas} LOOP
            UPDATE {COUNTS} SET rows = rows + moved WHERE id = (
                SELECT id FROM {COUNTS} WHERE counted = '{counted}' AND subject_id = whose LIMIT 1 FOR UPDATE SKIP LOCKED
            );
            WHILE NOT FOUND LOOP
                INSERT INTO {COUNTS} (counted, subject_id, slot, rows)
                VALUES ('{counted}', whose, floor(random() * 2147483647), moved) ON CONFLICT DO NOTHING;
            END LOOP;
        END LOOP;"""


def sqlite_add(counted: str, subject: str) -> str:
    """SQLite, in a row trigger: one row more of `counted` for the subject the SQL `subject` gives, in slot 0."""
    return (
        f"INSERT INTO {COUNTS} (counted, subject_id, slot, rows) VALUES ('{counted}', {subject}, 0, 1)"
        " ON CONFLICT (counted, subject_id, slot) DO UPDATE SET rows = rows + 1;"
    )


def sqlite_take(counted: str, subject: str) -> str:
    """SQLite, in a row trigger: one row fewer. It only lowers a slot that exists, so that a flush that empties the
    counts before the table (tests) leaves none below zero."""
    return f"UPDATE {COUNTS} SET rows = rows - 1 WHERE counted = '{counted}' AND subject_id = {subject} AND slot = 0;"


def count_triggers(
    vendor: str, *, table: str, counted: str, subject: str | None = None
) -> tuple[list[str], list[str], str]:
    """The statements that create, and those that drop, the triggers keeping the number of `table`'s rows under
    `counted` (per value of its column `subject`, if given), then the statement counting the rows there are. The
    drop deletes the count too, so that migrating back and forth counts the rows once.

    PostgreSQL: one trigger per statement, counting the rows it changed (transition tables) per subject, in subject
    order, into a free slot (slots_add). A statement that changed no row writes nothing; TRUNCATE empties the
    counts with the table. SQLite has no statement triggers: one per row, into slot 0 (one writer at a time).
    """
    name = f"core_count_{counted}"
    key = subject or "0"
    if vendor == "postgresql":
        create = [
            f"""CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    whose bigint;
    moved bigint;
BEGIN
    IF TG_OP = 'INSERT' THEN{slots_add(counted, f"SELECT {key}, count(*) FROM added GROUP BY 1 ORDER BY 1")}
    ELSIF TG_OP = 'DELETE' THEN{slots_add(counted, f"SELECT {key}, -count(*) FROM removed GROUP BY 1 ORDER BY 1")}
    ELSE
        DELETE FROM {COUNTS} WHERE counted = '{counted}';
    END IF;
    RETURN NULL;
END $$""",
            f"CREATE TRIGGER {name}_insert AFTER INSERT ON {table} REFERENCING NEW TABLE AS added"
            f" FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
            f"CREATE TRIGGER {name}_delete AFTER DELETE ON {table} REFERENCING OLD TABLE AS removed"
            f" FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
            f"CREATE TRIGGER {name}_truncate AFTER TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
        ]
        drop = [f"DROP TRIGGER {name}_{op} ON {table}" for op in ("insert", "delete", "truncate")]
        drop.append(f"DROP FUNCTION {name}()")
    else:
        create = [
            f"CREATE TRIGGER {name}_insert AFTER INSERT ON {table} BEGIN {sqlite_add(counted, f'NEW.{key}' if subject else key)} END",
            f"CREATE TRIGGER {name}_delete AFTER DELETE ON {table} BEGIN {sqlite_take(counted, f'OLD.{key}' if subject else key)} END",
        ]
        drop = [f"DROP TRIGGER {name}_{op}" for op in ("insert", "delete")]
    drop.append(f"DELETE FROM {COUNTS} WHERE counted = '{counted}'")  # a count no trigger keeps is wrong at once
    backfill = (
        f"INSERT INTO {COUNTS} (counted, subject_id, slot, rows)"
        f" SELECT '{counted}', {key}, 0, count(*) FROM {table} GROUP BY 2"
    )
    return create, drop, backfill


def counting(*, table: str, counted: str, subject: str | None = None) -> migrations.RunPython:
    """The operation that starts counting `table`'s rows (count_triggers): the triggers, then the rows there are.
    Creating a trigger locks the table against writers until the migration commits, so no row is added between
    the two or counted twice."""

    def create(apps, schema_editor) -> None:
        statements, _, backfill = count_triggers(
            schema_editor.connection.vendor, table=table, counted=counted, subject=subject
        )
        for statement in [*statements, backfill]:
            schema_editor.execute(statement, params=None)

    def drop(apps, schema_editor) -> None:
        _, statements, _ = count_triggers(
            schema_editor.connection.vendor, table=table, counted=counted, subject=subject
        )
        for statement in statements:
            schema_editor.execute(statement, params=None)

    return migrations.RunPython(create, drop)


class Migration(migrations.Migration):
    dependencies = [("core", "0008_audit_indexes_covered")]

    operations = [
        migrations.CreateModel(
            name="RowCount",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "counted",
                    models.CharField(
                        choices=[
                            ("users", "Users"),
                            ("group_members", "A group's members"),
                            ("audit_events", "Audit events"),
                            ("holders", "Users holding a license of a subscription"),
                            ("direct_holders", "Users holding a license of a subscription directly"),
                        ],
                        max_length=16,
                    ),
                ),
                (
                    "subject_id",
                    models.BigIntegerField(
                        default=0, help_text="Whose rows: the group's or the subscription's; else 0."
                    ),
                ),
                ("slot", models.IntegerField()),
                ("rows", models.BigIntegerField()),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("counted", "subject_id", "slot"), name="row_count_slot_unique")
                ],
            },
        ),
        counting(table="licensing_auditevent", counted="audit_events"),
    ]
