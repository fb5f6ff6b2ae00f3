"""The holder rows' unique index led by the user, so that it also serves the user's foreign key, whose own index
goes: one index fewer to write for every holder row the triggers of 0011 move (README, "Round ten")."""

from importlib import import_module

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

holders = import_module("licensing.migrations.0011_subscription_holders")


def sqlite_triggers_drop(apps, schema_editor) -> None:
    """SQLite rebuilds the holder table to change its constraint, and refuses to rename the copy while the
    assignment table's triggers name the table: they go for the rebuild and come back after it. PostgreSQL's
    triggers read the table by name only when they run."""
    if schema_editor.connection.vendor == "sqlite":
        for statement in holders.SQLITE_DROP:
            schema_editor.execute(statement, params=None)


def sqlite_triggers_create(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "sqlite":
        for statement in holders.SQLITE_CREATE:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("licensing", "0012_holders_in_user_order"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(sqlite_triggers_drop, sqlite_triggers_create),
        migrations.RemoveConstraint(
            model_name="subscriptionholder",
            name="holder_unique_user_per_subscription",
        ),
        migrations.AlterField(
            model_name="subscriptionholder",
            name="user",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddConstraint(
            model_name="subscriptionholder",
            constraint=models.UniqueConstraint(
                fields=("user", "subscription"), name="holder_unique_user_per_subscription"
            ),
        ),
        migrations.RunPython(sqlite_triggers_create, sqlite_triggers_drop),
    ]
