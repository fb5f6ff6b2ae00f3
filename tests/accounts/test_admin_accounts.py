"""Admins' accounts are protected (as in Microsoft Entra): a User Administrator creates, edits and disables only
users without an admin role; an admin's account is changed only by a Global Administrator; the last active
Global Administrator can neither be disabled nor lose the role."""

import pytest

from accounts.choices import Role
from accounts.models import RoleAssignment, User
from accounts.services.imports import users_import
from accounts.services.roles import role_revoke
from accounts.services.users import user_update
from core.audit import Actor
from core.choices import AuditAction, Source
from core.errors import PermissionDenied
from core.models import AuditEvent
from tests.factories import RoleAssignmentFactory, SubscriptionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admins(db) -> dict[str, User]:
    """One holder of each admin role (besides the acting admins of the fixtures)."""
    return {
        "global_admin": RoleAssignmentFactory(role=Role.GLOBAL_ADMIN).user,
        "user_admin": RoleAssignmentFactory(role=Role.USER_ADMIN).user,
        "subscription_admin": RoleAssignmentFactory(
            role=Role.SUBSCRIPTION_ADMIN, subscription=SubscriptionFactory()
        ).user,
    }


def stored(user: User) -> User:
    return User.objects.get(pk=user.pk)


# --- a User Administrator and admins' accounts -----------------------------------------------------------------


@pytest.mark.parametrize("role", ["global_admin", "user_admin", "subscription_admin"])
@pytest.mark.parametrize("fields", [{"is_active": False}, {"display_name": "Renamed"}])
def test_a_user_admin_may_not_change_an_admins_account(role, fields, admins, user_admin):
    target = admins[role]

    with pytest.raises(PermissionDenied) as caught:
        user_update(user=target, **fields, by=Actor(user_admin, Source.API))

    assert caught.value.code == "permission_denied"
    assert target.email in caught.value.message
    assert (stored(target).is_active, stored(target).display_name) == (True, target.display_name)
    assert not AuditEvent.objects.exists()


def test_a_user_admin_may_not_change_their_own_account(user_admin):
    with pytest.raises(PermissionDenied):
        user_update(user=user_admin, job_title="Chief", by=Actor(user_admin, Source.API))

    assert stored(user_admin).job_title != "Chief"


def test_a_user_admin_changes_users_without_an_admin_role(user_admin):
    user = UserFactory()

    user_update(user=user, is_active=False, job_title="Leaver", by=Actor(user_admin, Source.API))

    assert (stored(user).is_active, stored(user).job_title) == (False, "Leaver")


@pytest.mark.parametrize("role", ["global_admin", "user_admin", "subscription_admin"])
def test_a_global_admin_changes_any_admins_account(role, admins, global_admin):
    user_update(user=admins[role], is_active=False, display_name="Gone", by=Actor(global_admin, Source.API))

    assert (stored(admins[role]).is_active, stored(admins[role]).display_name) == (False, "Gone")
    assert AuditEvent.objects.get(action=AuditAction.USER_UPDATED).actor == global_admin


def test_an_import_by_a_user_admin_touching_an_admin_writes_nothing(admins, user_admin):
    rows = [
        {"email": "new.joiner@example.test", "display_name": "New Joiner"},
        {"email": admins["global_admin"].email, "is_active": False},
    ]

    with pytest.raises(PermissionDenied) as caught:
        users_import(rows=rows, by=Actor(user_admin, Source.CLI))

    assert admins["global_admin"].email in caught.value.message
    assert stored(admins["global_admin"]).is_active
    assert not User.objects.filter(email="new.joiner@example.test").exists()
    assert not AuditEvent.objects.exists()


def test_an_import_by_a_user_admin_may_list_admins_it_leaves_unchanged(admins, user_admin):
    """A re-import of an export that includes admins is fine as long as their rows change nothing."""
    target = admins["subscription_admin"]
    rows = [{"email": target.email, "display_name": target.display_name}, {"email": "new@example.test"}]

    result = users_import(rows=rows, by=Actor(user_admin, Source.CLI))

    assert (result.created, result.updated, result.unchanged) == (1, 0, 1)


def test_an_import_by_a_global_admin_changes_admins(admins, global_admin):
    users_import(rows=[{"email": admins["user_admin"].email, "is_active": False}], by=Actor(global_admin, "cli"))

    assert not stored(admins["user_admin"]).is_active


# --- the last active Global Administrator ----------------------------------------------------------------------


def test_the_last_active_global_admin_cannot_disable_themselves(global_admin):
    with pytest.raises(PermissionDenied) as caught:
        user_update(user=global_admin, is_active=False, by=Actor(global_admin, Source.WEB))

    assert "last active Global Administrator" in caught.value.message
    assert stored(global_admin).is_active
    assert not AuditEvent.objects.exists()


def test_a_global_admin_may_be_disabled_while_another_stays_active(global_admin, admins):
    user_update(user=admins["global_admin"], is_active=False, by=Actor(global_admin, Source.WEB))

    assert not stored(admins["global_admin"]).is_active
    with pytest.raises(PermissionDenied):
        user_update(user=global_admin, is_active=False, by=Actor(global_admin, Source.WEB))
    assert stored(global_admin).is_active


def test_a_disabled_global_admin_does_not_count(global_admin):
    RoleAssignmentFactory(role=Role.GLOBAL_ADMIN, user=UserFactory(is_active=False))

    with pytest.raises(PermissionDenied):
        role_revoke(user=global_admin, role=Role.GLOBAL_ADMIN, by=Actor(global_admin, Source.WEB))

    assert RoleAssignment.objects.filter(user=global_admin, role=Role.GLOBAL_ADMIN).exists()


def test_the_operator_cannot_disable_the_last_global_admin_either(global_admin):
    with pytest.raises(PermissionDenied):
        user_update(user=global_admin, is_active=False, by=Actor(None, Source.CLI))

    assert stored(global_admin).is_active


def test_the_last_active_global_admin_keeps_the_role(global_admin):
    with pytest.raises(PermissionDenied) as caught:
        role_revoke(user=global_admin, role=Role.GLOBAL_ADMIN, by=Actor(None, Source.CLI))

    assert "last active Global Administrator" in caught.value.message
    assert RoleAssignment.objects.filter(user=global_admin, role=Role.GLOBAL_ADMIN).exists()
    assert not AuditEvent.objects.exists()


def test_a_global_admin_loses_the_role_while_another_keeps_it(global_admin, admins):
    assert role_revoke(user=global_admin, role=Role.GLOBAL_ADMIN, by=Actor(global_admin, Source.WEB))

    assert not RoleAssignment.objects.filter(user=global_admin).exists()


def test_a_disabled_global_admin_may_lose_the_role(global_admin):
    disabled = RoleAssignmentFactory(role=Role.GLOBAL_ADMIN, user=UserFactory(is_active=False)).user

    assert role_revoke(user=disabled, role=Role.GLOBAL_ADMIN, by=Actor(global_admin, Source.WEB))


def test_an_import_cannot_disable_every_global_admin(global_admin, admins):
    rows = [{"email": user.email, "is_active": False} for user in (global_admin, admins["global_admin"])]

    with pytest.raises(PermissionDenied) as caught:
        users_import(rows=rows, by=Actor(None, Source.CLI))

    assert "last active Global Administrator" in caught.value.message
    assert User.objects.filter(role_assignments__role=Role.GLOBAL_ADMIN, is_active=True).count() == 2
    assert not AuditEvent.objects.exists()
