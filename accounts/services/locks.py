"""The locks of accounts' writes, first in the one lock order of docs/architecture.md ("The lock order"): users,
then groups, each in primary-key order (licensing's subscriptions and pools come after, licensing/services/locks.py).

Groups take two kinds of lock. A write to a group's row (create, edit, delete) first takes the groups table in
ROW EXCLUSIVE mode, then the row; a change of users that keeps their dynamic memberships up to date takes the
table in SHARE mode (`groups_hold`). The two queue, so a user's change and a rule's change always see each
other, whichever commits first, also when the rule belongs to a group being created. SHARE locks do not conflict
with each other, so user changes still run side by side, and locking the table first means neither side ever
waits for a row it cannot get. SQLite runs one writer at a time, so these are no-ops there.
"""

from collections.abc import Iterable

from django.db import connection

from core.audit import chunks
from core.errors import NotFound

from ..models import Group, User


def users_lock(user_ids: Iterable[int]) -> None:
    """Lock users (NO KEY UPDATE, which does not conflict with the KEY SHARE lock that inserting a row pointing at
    a user takes)."""
    for chunk in chunks(sorted(set(user_ids))):
        list(User.objects.select_for_update(no_key=True).filter(pk__in=chunk).order_by("pk").values_list("pk"))


def _groups_table_lock(mode: str) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {connection.ops.quote_name(Group._meta.db_table)} IN {mode} MODE")


def groups_write_lock() -> None:
    """Before creating, editing or deleting a group: wait for the user changes in flight, hold off new ones."""
    _groups_table_lock("ROW EXCLUSIVE")


def group_lock(group_id: int) -> Group:
    """Lock one group's row: its members and its row change only under it. NotFound when it is gone."""
    group = Group.objects.select_for_update(no_key=True).filter(pk=group_id).first()
    if group is None:
        raise NotFound("Group not found.")
    return group


def groups_hold() -> None:
    """Hold every group still (whether it exists, its name, kind and rule) until the caller's transaction ends:
    taken by a change of users' memberships after it has locked the users (`users_lock`)."""
    _groups_table_lock("SHARE")
