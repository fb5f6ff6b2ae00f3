"""No index of ours that another already covers (docs/architecture.md, "Indexes"): every index is written with each
row, and the hottest tables (assignments, places in lines, memberships, audit events) take thousands of rows in one
bulk change."""

import pytest
from django.apps import apps
from django.db import connection

OUR_APPS = ("accounts", "core", "licensing")

# Each plain B-tree index (no expression, no condition, the default operator classes: a `LIKE` index's
# varchar_pattern_ops serves what the plain one cannot) with its key columns, and whether it enforces uniqueness.
INDEXES = """
SELECT table_class.relname, index_class.relname, index.indisunique,
       ARRAY(
         SELECT attribute.attname
         FROM unnest((index.indkey::int2[])[0:index.indnkeyatts - 1]) WITH ORDINALITY AS key(number, position)
         JOIN pg_attribute attribute ON attribute.attrelid = index.indrelid AND attribute.attnum = key.number
         ORDER BY key.position
       )
FROM pg_index index
JOIN pg_class table_class ON table_class.oid = index.indrelid
JOIN pg_class index_class ON index_class.oid = index.indexrelid
JOIN pg_am method ON method.oid = index_class.relam
WHERE table_class.relname = ANY(%s) AND method.amname = 'btree'
  AND index.indexprs IS NULL AND index.indpred IS NULL
  AND NOT EXISTS (
    SELECT 1 FROM unnest(index.indclass::oid[]) AS used(opclass)
    JOIN pg_opclass class ON class.oid = used.opclass WHERE NOT class.opcdefault
  )
"""

# Kept on purpose: a narrow index on a column with few distinct values, which B-tree deduplication makes a fraction of
# the size of the composite that covers it, and which an exact count reads (a subscription's audit events, a group's
# members: a count over the wide index took two to four times as long).
COUNTED = {("licensing_auditevent", ("subscription_id",)), ("accounts_groupmembership", ("group_id",))}


def covered_indexes() -> list[tuple[str, str, str]]:
    """(table, index, covering index) for each index that is not unique and whose key columns lead another's."""
    tables = [model._meta.db_table for label in OUR_APPS for model in apps.get_app_config(label).get_models()]
    with connection.cursor() as cursor:
        cursor.execute(INDEXES, [tables])
        indexes = cursor.fetchall()
    return [
        (table, name, other)
        for table, name, unique, keys in indexes
        for other_table, other, _, other_keys in indexes
        if other_table == table
        and other != name
        and not unique
        and other_keys[: len(keys)] == keys
        and (table, tuple(keys)) not in COUNTED
    ]


@pytest.mark.postgres
@pytest.mark.django_db
def test_no_index_is_covered_by_another():
    assert covered_indexes() == []


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_covered_index_is_found():
    """The check can fail: an index on the assignments' pool alone is led by the unique (pool, user)."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE INDEX covered_pool_idx ON licensing_licenseassignment (pool_id)")
    assert ("licensing_licenseassignment", "covered_pool_idx", "assignment_unique_user_per_pool") in covered_indexes()
