"""The users' count and each group's count of members, kept by the database (core.models.RowCount)."""

from importlib import import_module

from django.db import migrations

counting = import_module("core.migrations.0009_row_counts").counting


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0014_list_order_index_declared"),
        ("core", "0009_row_counts"),
    ]

    operations = [
        counting(table="accounts_user", counted="users"),
        counting(table="accounts_groupmembership", counted="group_members", subject="group_id"),
    ]
