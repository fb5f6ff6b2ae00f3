"""SubscriptionHolder and the triggers that keep it (its docstring): each statement that inserts, deletes or updates
assignment rows moves the holder rows of the subscriptions and users it touched, in that statement. Existing
assignments are added up once here."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

ASSIGNMENTS = "licensing_licenseassignment"
HOLDERS = "licensing_subscriptionholder"
POOLS = "licensing_licensepool"
TRIGGERS = ("insert", "delete", "update")


def _per_holder(rows: str, sign: int) -> str:
    """Per subscription and user, the licenses and direct licenses of the assignment rows `rows`, times `sign`."""
    return (
        f"SELECT pool.subscription_id, changed.user_id, {sign} * count(*) AS licenses,"
        f" {sign} * count(*) FILTER (WHERE changed.direct) AS direct"
        f" FROM {rows} AS changed JOIN {POOLS} AS pool ON pool.id = changed.pool_id"
        " GROUP BY pool.subscription_id, changed.user_id"
    )


def _move(deltas: str) -> str:
    """Add `deltas` to the holder rows: one row each, in (subscription, user) order, so two statements that move
    the same rows lock them in the same order (docs/architecture.md, "The lock order")."""
    return (
        f"INSERT INTO {HOLDERS} AS holder (subscription_id, user_id, licenses, direct)"
        " SELECT subscription_id, user_id, licenses, direct FROM ("
        "  SELECT subscription_id, user_id, CAST(sum(licenses) AS integer) AS licenses, CAST(sum(direct) AS integer) AS direct"
        f"  FROM ({deltas}) AS delta GROUP BY subscription_id, user_id"
        " ) AS moved WHERE licenses <> 0 OR direct <> 0"
        " ORDER BY subscription_id, user_id"
        " ON CONFLICT (subscription_id, user_id) DO UPDATE"
        " SET licenses = holder.licenses + EXCLUDED.licenses, direct = holder.direct + EXCLUDED.direct"
    )


# PostgreSQL: one trigger per statement, reading the rows it changed (transition tables).
POSTGRESQL_CREATE = [
    f"""CREATE FUNCTION licensing_holders_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {_move(_per_holder("added", 1))};
    ELSIF TG_OP = 'DELETE' THEN
        {_move(_per_holder("removed", -1))};
    ELSE
        {_move(f"{_per_holder('added', 1)} UNION ALL {_per_holder('removed', -1)}")};
    END IF;
    RETURN NULL;
END $$""",
    f"CREATE TRIGGER licensing_holders_insert AFTER INSERT ON {ASSIGNMENTS} REFERENCING NEW TABLE AS added"
    " FOR EACH STATEMENT EXECUTE FUNCTION licensing_holders_move()",
    f"CREATE TRIGGER licensing_holders_delete AFTER DELETE ON {ASSIGNMENTS} REFERENCING OLD TABLE AS removed"
    " FOR EACH STATEMENT EXECUTE FUNCTION licensing_holders_move()",
    f"CREATE TRIGGER licensing_holders_update AFTER UPDATE ON {ASSIGNMENTS}"
    " REFERENCING NEW TABLE AS added OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION licensing_holders_move()",
]
POSTGRESQL_DROP = [f"DROP TRIGGER licensing_holders_{name} ON {ASSIGNMENTS}" for name in TRIGGERS] + [
    "DROP FUNCTION licensing_holders_move()"
]

# SQLite has no statement triggers: one per row.
_SQLITE_ADD = (
    f"INSERT INTO {HOLDERS} (subscription_id, user_id, licenses, direct)"
    f" SELECT subscription_id, NEW.user_id, 1, NEW.direct FROM {POOLS} WHERE id = NEW.pool_id"
    " ON CONFLICT (subscription_id, user_id) DO UPDATE"
    " SET licenses = licenses + 1, direct = direct + excluded.direct;"
)
_SQLITE_TAKE = (
    f"UPDATE {HOLDERS} SET licenses = licenses - 1, direct = direct - OLD.direct"
    f" WHERE subscription_id = (SELECT subscription_id FROM {POOLS} WHERE id = OLD.pool_id)"
    " AND user_id = OLD.user_id;"
)
SQLITE_CREATE = [
    f"CREATE TRIGGER licensing_holders_insert AFTER INSERT ON {ASSIGNMENTS} BEGIN {_SQLITE_ADD} END",
    f"CREATE TRIGGER licensing_holders_delete AFTER DELETE ON {ASSIGNMENTS} BEGIN {_SQLITE_TAKE} END",
    f"CREATE TRIGGER licensing_holders_update AFTER UPDATE OF pool_id, user_id, direct ON {ASSIGNMENTS}"
    " WHEN OLD.pool_id IS NOT NEW.pool_id OR OLD.user_id IS NOT NEW.user_id OR OLD.direct IS NOT NEW.direct"
    f" BEGIN {_SQLITE_TAKE} {_SQLITE_ADD} END",
]
SQLITE_DROP = [f"DROP TRIGGER licensing_holders_{name}" for name in TRIGGERS]

BACKFILL = _move(_per_holder(ASSIGNMENTS, 1))


def _run(schema_editor, statements: dict[str, list[str]]) -> None:
    for statement in statements[schema_editor.connection.vendor]:
        schema_editor.execute(statement, params=None)


def triggers_create(apps, schema_editor) -> None:
    """The triggers, then the holder rows of the assignments there are."""
    _run(schema_editor, {"postgresql": POSTGRESQL_CREATE, "sqlite": SQLITE_CREATE})
    schema_editor.execute(BACKFILL, params=None)


def triggers_drop(apps, schema_editor) -> None:
    _run(schema_editor, {"postgresql": POSTGRESQL_DROP, "sqlite": SQLITE_DROP})


class Migration(migrations.Migration):
    dependencies = [
        ("licensing", "0010_fk_indexes_covered"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="SubscriptionHolder",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("licenses", models.IntegerField()),
                ("direct", models.IntegerField()),
                (
                    "subscription",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="licensing.subscription",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        condition=models.Q(("licenses__gt", 0)), fields=["subscription", "user"], name="holder_held_idx"
                    ),
                    models.Index(
                        condition=models.Q(("direct__gt", 0)), fields=["subscription", "user"], name="holder_direct_idx"
                    ),
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("subscription", "user"), name="holder_unique_user_per_subscription"
                    ),
                ],
            },
        ),
        migrations.RunPython(triggers_create, triggers_drop),
    ]
