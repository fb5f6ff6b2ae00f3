"""The one lock order of every write, and the locks of the rows `accounts` owns (docs/architecture.md, "The lock
order").

A write that locks more than one kind of row locks them in this order, each kind in primary-key order, so that two
writes queue instead of deadlocking:

1. users;
2. the Global Administrator role rows;
3. API tokens;
4. groups;
5. subscriptions, then pools (licensing/services/locks.py, which continues this order).

Users are locked FOR NO KEY UPDATE: a user's account, roles, memberships and licenses change only under their row
lock, and NO KEY UPDATE does not conflict with the KEY SHARE lock that inserting a row that points at the user
takes.

Groups take two kinds of lock. A write to a group's row (create, edit, delete) first takes the groups table in
ROW EXCLUSIVE mode, then the row; a change of users that keeps their dynamic memberships up to date takes the
table in SHARE mode (`groups_hold`). The two queue, so a user's change and a rule's change always see each other,
whichever commits first, also when the rule belongs to a group being created. SHARE locks do not conflict with
each other, so user changes still run side by side. SQLite runs one writer at a time, so these are no-ops there.
"""

from collections.abc import Iterable

from django.db import connection
from django.db.models import QuerySet

from core.audit import chunks
from core.errors import NotFound
from core.rows import own_columns, rows_built
from core.sql import statement_once

from ..choices import Role
from ..models import ApiToken, Group, RoleAssignment, User


def users_lock(user_ids: Iterable[int]) -> None:
    for chunk in chunks(sorted(set(user_ids))):
        list(User.objects.select_for_update(no_key=True).filter(pk__any_of=chunk).order_by("pk").values_list("pk"))


def users_locked(user_ids: Iterable[int]) -> list[User]:
    """Lock these users and return them, read under the lock."""
    locked: list[User] = []
    for chunk in chunks(sorted(set(user_ids))):
        locked += User.objects.select_for_update(no_key=True).filter(pk__in=chunk).order_by("pk")
    return locked


def user_locked_of(users: QuerySet[User]) -> User | None:
    """Lock the one user `users` names (a query for one, such as accounts.selectors.users_of_key) and return them,
    read under the lock in the same statement; None when there is none."""
    return users.select_for_update(no_key=True).first()


def user_locked(user_id: int) -> User:
    """Lock one user and read them under the lock (NotFound once deleted), in one statement compiled once
    (core.sql.statement_once): every change of one user starts with it."""
    own = own_columns(User)

    def statement(user_id: list[int]) -> QuerySet:
        return User.objects.select_for_update(no_key=True).filter(pk=user_id[0]).values_list(*own)

    locked = rows_built(User, statement_once(User, "user locked", statement, user_id=[user_id]))
    if not locked:
        raise NotFound("User not found.")
    return locked[0]


def global_admin_roles_lock() -> None:
    list(RoleAssignment.objects.select_for_update().filter(role=Role.GLOBAL_ADMIN).order_by("pk").values_list("pk"))


def tokens_locked(tokens: QuerySet[ApiToken]) -> list[ApiToken]:
    return list(tokens.select_for_update().order_by("pk"))


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
    taken by a change of users' memberships after it has locked the users."""
    _groups_table_lock("SHARE")
