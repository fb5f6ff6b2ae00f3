"""The counts' partial indexes test two columns the database computes, `held` and `held_directly`, instead of the
counts themselves, and the table keeps half of each page free: a holder row's update that leaves both as they were
is then a HOT update, written in its page with no new index entry (README, "Round ten").

PostgreSQL fills the table's pages to its fillfactor when it writes them, as the added columns make it rewrite the
table here; the free half takes the new versions of the rows a bulk change updates, page by page."""

from importlib import import_module

from django.conf import settings
from django.db import migrations, models

HOLDERS = "licensing_subscriptionholder"
by_user_first = import_module("licensing.migrations.0013_holders_by_user_first")


def half_free(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {HOLDERS} SET (fillfactor = 50)", params=None)


def full(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {HOLDERS} RESET (fillfactor)", params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("licensing", "0013_holders_by_user_first"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(by_user_first.sqlite_triggers_drop, by_user_first.sqlite_triggers_create),
        migrations.RunPython(half_free, full),
        migrations.RemoveIndex(
            model_name="subscriptionholder",
            name="holder_held_idx",
        ),
        migrations.RemoveIndex(
            model_name="subscriptionholder",
            name="holder_direct_idx",
        ),
        migrations.RemoveIndex(
            model_name="subscriptionholder",
            name="holder_user_held_idx",
        ),
        migrations.AddField(
            model_name="subscriptionholder",
            name="held",
            field=models.GeneratedField(
                db_persist=True,
                expression=models.ExpressionWrapper(models.Q(("licenses__gt", 0)), output_field=models.BooleanField()),
                output_field=models.BooleanField(),
            ),
        ),
        migrations.AddField(
            model_name="subscriptionholder",
            name="held_directly",
            field=models.GeneratedField(
                db_persist=True,
                expression=models.ExpressionWrapper(models.Q(("direct__gt", 0)), output_field=models.BooleanField()),
                output_field=models.BooleanField(),
            ),
        ),
        migrations.AddIndex(
            model_name="subscriptionholder",
            index=models.Index(
                condition=models.Q(("held", True)), fields=["subscription", "user"], name="holder_held_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="subscriptionholder",
            index=models.Index(
                condition=models.Q(("held_directly", True)), fields=["subscription", "user"], name="holder_direct_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="subscriptionholder",
            index=models.Index(condition=models.Q(("held", True)), fields=["user"], name="holder_user_held_idx"),
        ),
        migrations.RunPython(by_user_first.sqlite_triggers_create, by_user_first.sqlite_triggers_drop),
    ]
