"""An index in the exact order of the users list, primary key included, for PostgreSQL.

The list orders by (display_name, email, id) so that pages never overlap. With the key in the index, choosing the
ids of a deep page (page 500: skip 24,950 users) is an index-only scan instead of 25,000 reads of the table, and the
first page needs no sort. SQLite keeps the row id in every index entry already.
"""

from django.db import migrations

CREATE = ["CREATE INDEX IF NOT EXISTS user_list_order_idx ON accounts_user (display_name, email, id)"]
DROP = ["DROP INDEX IF EXISTS user_list_order_idx"]


def on_postgresql(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_user_search_trigram")]

    operations = [migrations.RunPython(on_postgresql(CREATE), on_postgresql(DROP))]
