"""Indexes that another index already covers are dropped: the users' (display_name, email), which the list's
(display_name, email, id) covers, and the memberships' user, which (user, group) covers (docs/architecture.md,
"Indexes")."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0013_user_session"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="user",
            name="user_name_idx",
        ),
        migrations.AlterField(
            model_name="groupmembership",
            name="user",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="group_memberships",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        # On PostgreSQL migration 0006 made it already; on SQLite it replaces user_name_idx, as everywhere.
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    "CREATE INDEX IF NOT EXISTS user_list_order_idx ON accounts_user (display_name, email, id)",
                    migrations.RunSQL.noop,
                ),
            ],
            state_operations=[
                migrations.AddIndex(
                    model_name="user",
                    index=models.Index(fields=["display_name", "email", "id"], name="user_list_order_idx"),
                ),
            ],
        ),
    ]
