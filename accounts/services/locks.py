"""The one lock order of every write, and the locks of the rows `accounts` owns (docs/architecture.md, "The lock
order").

A write that locks more than one kind of row locks them in this order, each kind in primary-key order, so that two
writes queue instead of deadlocking:

1. users;
2. the Global Administrator role rows;
3. API tokens;
4. subscriptions, then pools (licensing/services/locks.py, which continues this order).

Users are locked FOR NO KEY UPDATE: a user's account, roles and licenses change only under their row lock, and NO
KEY UPDATE does not conflict with the KEY SHARE lock that inserting a row that points at the user takes.
"""

from collections.abc import Iterable

from django.db.models import QuerySet

from core.audit import chunks

from ..choices import Role
from ..models import ApiToken, RoleAssignment, User


def users_lock(user_ids: Iterable[int]) -> None:
    for chunk in chunks(sorted(set(user_ids))):
        list(User.objects.select_for_update(no_key=True).filter(pk__in=chunk).order_by("pk").values_list("pk"))


def users_locked(user_ids: Iterable[int]) -> list[User]:
    """Lock these users and return them, read under the lock."""
    locked: list[User] = []
    for chunk in chunks(sorted(set(user_ids))):
        locked += User.objects.select_for_update(no_key=True).filter(pk__in=chunk).order_by("pk")
    return locked


def user_locked(user_id: int) -> User:
    return User.objects.select_for_update(no_key=True).get(pk=user_id)


def global_admin_roles_lock() -> None:
    list(RoleAssignment.objects.select_for_update().filter(role=Role.GLOBAL_ADMIN).order_by("pk").values_list("pk"))


def tokens_locked(tokens: QuerySet[ApiToken]) -> list[ApiToken]:
    return list(tokens.select_for_update().order_by("pk"))
