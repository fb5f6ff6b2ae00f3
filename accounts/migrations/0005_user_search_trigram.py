"""Trigram indexes for the user search on PostgreSQL.

The search filter compiles `icontains` to `UPPER(column::text) LIKE UPPER('%fragment%')`; a GIN trigram index over
exactly that expression lets PostgreSQL answer it without reading every user. Other databases scan, which is fine
at their size.
"""

from django.db import migrations

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS user_display_name_trgm ON accounts_user USING gin (UPPER(display_name) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS user_email_trgm ON accounts_user USING gin (UPPER(email) gin_trgm_ops)",
]
DROP = [
    "DROP INDEX IF EXISTS user_display_name_trgm",
    "DROP INDEX IF EXISTS user_email_trgm",
]


def on_postgresql(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_sign_in_failure")]

    operations = [migrations.RunPython(on_postgresql(CREATE), on_postgresql(DROP))]
