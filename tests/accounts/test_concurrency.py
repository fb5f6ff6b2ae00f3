"""Races on PostgreSQL over the last active Global Administrator: two of them disabling (or demoting) each other
at the same moment cannot both succeed, so the organisation always keeps one."""

import pytest

from accounts.choices import Role
from accounts.models import RoleAssignment, User
from accounts.services.imports import users_import
from accounts.services.roles import role_revoke
from accounts.services.users import user_update
from core.audit import Actor
from core.choices import Source
from tests.concurrency import codes, run_at_once, unexpected
from tests.factories import RoleAssignmentFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

ROUNDS = 5


def active_global_admins() -> int:
    return User.objects.filter(is_active=True, role_assignments__role=Role.GLOBAL_ADMIN).count()


def two_global_admins() -> tuple[User, User]:
    RoleAssignment.objects.filter(role=Role.GLOBAL_ADMIN).delete()
    return RoleAssignmentFactory(role=Role.GLOBAL_ADMIN).user, RoleAssignmentFactory(role=Role.GLOBAL_ADMIN).user


def disable(actor: User, user: User):
    return lambda: user_update(user=user, is_active=False, by=Actor(actor, Source.API))


def demote(actor: User, user: User):
    return lambda: role_revoke(user=user, role=Role.GLOBAL_ADMIN, by=Actor(actor, Source.API))


def import_disabling(actor: User, user: User):
    return lambda: users_import(rows=[{"email": user.email, "is_active": False}], by=Actor(actor, Source.CLI))


@pytest.mark.parametrize(
    ("first", "second"),
    [(disable, disable), (demote, demote), (disable, demote), (import_disabling, disable)],
    ids=["disable-disable", "demote-demote", "disable-demote", "import-disable"],
)
def test_two_global_admins_removing_each_other_at_once_leave_one(first, second):
    for _ in range(ROUNDS):
        a, b = two_global_admins()

        outcomes = run_at_once([first(a, b), second(b, a)])

        assert unexpected(outcomes) == []
        assert codes(outcomes) == {"ok": 1, "permission_denied": 1}
        assert active_global_admins() == 1
