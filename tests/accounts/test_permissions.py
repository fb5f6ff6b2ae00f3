"""accounts.permissions, cell by cell of design.md's "Who may do what" table.

S is the subscription under test, T another one. "sub_admin_s" administers S, "sub_admin_t" administers T.
"""

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts import permissions
from accounts.choices import Role
from accounts.models import User
from accounts.permissions import admin_scope, forget_admin_scope, with_roles
from core.choices import AuditAction, Source
from core.errors import NotFound, PermissionDenied
from core.models import AuditEvent
from licensing.models import Subscription
from licensing.selectors.audit import audit_events_visible
from tests.factories import RoleAssignmentFactory, SubscriptionFactory, UserFactory

pytestmark = pytest.mark.django_db

ROLES = ["global_admin", "sub_admin_s", "sub_admin_t", "user_admin", "no_role", "inactive_admin", "anonymous"]


@pytest.fixture
def s(db) -> Subscription:
    return SubscriptionFactory(name="S")


@pytest.fixture
def t(db) -> Subscription:
    return SubscriptionFactory(name="T")


@pytest.fixture
def actor_for(s, t):
    """Build the actor of one row of the table."""

    def build(role: str):
        if role == "anonymous":
            return AnonymousUser()
        user = UserFactory()
        if role == "global_admin":
            RoleAssignmentFactory(user=user, role=Role.GLOBAL_ADMIN)
        elif role == "sub_admin_s":
            RoleAssignmentFactory(user=user, role=Role.SUBSCRIPTION_ADMIN, subscription=s)
        elif role == "sub_admin_t":
            RoleAssignmentFactory(user=user, role=Role.SUBSCRIPTION_ADMIN, subscription=t)
        elif role == "user_admin":
            RoleAssignmentFactory(user=user, role=Role.USER_ADMIN)
        elif role == "inactive_admin":
            RoleAssignmentFactory(user=user, role=Role.GLOBAL_ADMIN)
            user.is_active = False
            user.save()
        return user

    return build


# role -> (sign in, view S, assign in S, change quantity in S, manage users, manage roles, read audit log,
#          manage groups)
TABLE = {
    "global_admin": (True, True, True, True, True, True, True, True),
    "sub_admin_s": (True, True, True, True, False, False, True, False),
    "sub_admin_t": (True, False, False, False, False, False, True, False),
    "user_admin": (True, True, True, False, True, False, True, True),
    "no_role": (False, False, False, False, False, False, False, False),
    "inactive_admin": (False, False, False, False, False, False, False, False),
    "anonymous": (False, False, False, False, False, False, False, False),
}
ABILITIES = [
    ("sign_in", lambda scope, s: scope.is_admin),
    ("view_subscription", lambda scope, s: scope.can_view_subscription(s.pk)),
    ("assign_licenses", lambda scope, s: scope.can_assign_licenses(s.pk)),
    ("change_quantity", lambda scope, s: scope.can_change_quantity(s.pk)),
    ("manage_users", lambda scope, s: scope.can_manage_users),
    ("manage_roles", lambda scope, s: scope.can_manage_roles),
    ("read_audit_log", lambda scope, s: scope.can_read_audit_log),
    ("manage_groups", lambda scope, s: scope.can_manage_groups),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("ability", "index"), [(name, index) for index, (name, _) in enumerate(ABILITIES)])
def test_who_may_do_what(role, ability, index, actor_for, s):
    scope = admin_scope(actor_for(role))

    assert ABILITIES[index][1](scope, s) is TABLE[role][index]


# role -> (events of S visible, events of T visible, events of no subscription visible)
AUDIT_VISIBILITY = {
    "global_admin": (True, True, True),
    "sub_admin_s": (True, False, False),
    "sub_admin_t": (False, True, False),
    "user_admin": (True, True, True),
    "no_role": (False, False, False),
    "inactive_admin": (False, False, False),
    "anonymous": (False, False, False),
}


@pytest.mark.parametrize("role", ROLES)
def test_which_audit_events_are_visible(role, actor_for, s, t):
    def event(subscription):
        return AuditEvent.objects.create(
            actor_label="system", action=AuditAction.QUANTITY_CHANGED, source=Source.SYSTEM, subscription=subscription
        )

    of_s, of_t, of_none = event(s), event(t), event(None)

    visible = set(audit_events_visible(actor=actor_for(role)))

    assert (of_s in visible, of_t in visible, of_none in visible) == AUDIT_VISIBILITY[role]


@pytest.mark.parametrize("role", ROLES)
def test_the_subscriptions_an_admin_sees(role, actor_for, s, t):
    scope = admin_scope(actor_for(role))
    expected = {
        "global_admin": {"S", "T"},
        "sub_admin_s": {"S"},
        "sub_admin_t": {"T"},
        "user_admin": {"S", "T"},
    }.get(role, set())

    visible = {subscription.name for subscription in scope.filter_subscriptions(Subscription.objects.all())}

    assert visible == expected


# --- require_* helpers: the error each raises, by role ---------------------------------------------------------

OK, DENIED, NOT_FOUND = None, PermissionDenied, NotFound
# role -> (require_admin, require_subscription_visible(S), require_license_management(S),
#          require_quantity_change(S), require_user_management, require_role_management, require_group_management)
REQUIRE_TABLE = {
    "global_admin": (OK, OK, OK, OK, OK, OK, OK),
    "sub_admin_s": (OK, OK, OK, OK, DENIED, DENIED, DENIED),
    "sub_admin_t": (OK, NOT_FOUND, NOT_FOUND, NOT_FOUND, DENIED, DENIED, DENIED),
    "user_admin": (OK, OK, OK, DENIED, OK, DENIED, OK),
    "no_role": (DENIED,) * 7,
    "inactive_admin": (DENIED,) * 7,
    "anonymous": (DENIED,) * 7,
}
REQUIRES = [
    ("require_admin", lambda actor, s: permissions.require_admin(actor)),
    ("require_subscription_visible", lambda actor, s: permissions.require_subscription_visible(actor, s.pk)),
    ("require_license_management", lambda actor, s: permissions.require_license_management(actor, s.pk)),
    ("require_quantity_change", lambda actor, s: permissions.require_quantity_change(actor, s.pk)),
    ("require_user_management", lambda actor, s: permissions.require_user_management(actor)),
    ("require_role_management", lambda actor, s: permissions.require_role_management(actor)),
    ("require_group_management", lambda actor, s: permissions.require_group_management(actor)),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("helper", "index"), [(name, index) for index, (name, _) in enumerate(REQUIRES)])
def test_require_helpers_raise_the_right_error(role, helper, index, actor_for, s):
    actor = actor_for(role)
    expected = REQUIRE_TABLE[role][index]

    if expected is OK:
        REQUIRES[index][1](actor, s)
    else:
        with pytest.raises(expected) as caught:
            REQUIRES[index][1](actor, s)
        assert caught.value.code == {PermissionDenied: "permission_denied", NotFound: "not_found"}[expected]


@pytest.mark.parametrize(("helper", "index"), [(name, index) for index, (name, _) in enumerate(REQUIRES)])
def test_the_system_actor_may_do_everything(helper, index, s):
    REQUIRES[index][1](None, s)


def test_an_unknown_subscription_is_not_found_for_a_subscription_admin(actor_for, s):
    with pytest.raises(NotFound):
        permissions.require_subscription_visible(actor_for("sub_admin_s"), s.pk + 1000)


def test_a_subscription_admin_of_several_subscriptions_sees_each(s, t):
    user = UserFactory()
    RoleAssignmentFactory(user=user, role=Role.SUBSCRIPTION_ADMIN, subscription=s)
    RoleAssignmentFactory(user=user, role=Role.SUBSCRIPTION_ADMIN, subscription=t)

    scope = admin_scope(user)

    assert scope.subscription_ids == frozenset({s.pk, t.pk})
    assert not scope.sees_all_subscriptions


# --- the scope is read once and can be forgotten -----------------------------------------------------------------


def test_the_scope_is_read_with_one_query_and_cached(actor_for, django_assert_num_queries):
    admin = actor_for("user_admin")

    with django_assert_num_queries(1):
        first = admin_scope(admin)
        second = admin_scope(admin)

    assert first is second


def test_a_forgotten_scope_is_read_again(s):
    user = UserFactory()
    assert not admin_scope(user).is_admin
    RoleAssignmentFactory(user=user, role=Role.SUBSCRIPTION_ADMIN, subscription=s)
    assert not admin_scope(user).is_admin  # still the cached scope

    forget_admin_scope(user)

    assert admin_scope(user).can_view_subscription(s.pk)


def test_a_user_read_with_roles_needs_no_query_for_the_scope(s, t, django_assert_num_queries):
    admin = UserFactory()
    RoleAssignmentFactory(user=admin, role=Role.SUBSCRIPTION_ADMIN, subscription=s)
    plain = UserFactory()
    with django_assert_num_queries(1):
        read = {user.pk: user for user in with_roles(User.objects.filter(pk__in=[admin.pk, plain.pk]))}
    with django_assert_num_queries(0):
        scope, none = admin_scope(read[admin.pk]), admin_scope(read[plain.pk])
    assert scope.can_view_subscription(s.pk) and not scope.can_view_subscription(t.pk)
    assert scope.is_admin and not scope.sees_all_subscriptions
    assert not none.is_admin


def test_a_forgotten_scope_of_a_user_read_with_roles_is_read_from_the_database(s):
    [user] = with_roles(User.objects.filter(pk=UserFactory().pk))
    assert not admin_scope(user).is_admin
    RoleAssignmentFactory(user=user, role=Role.GLOBAL_ADMIN)

    forget_admin_scope(user)  # the role rows read with the user are stale too

    assert admin_scope(user).sees_all_subscriptions


# role -> (may change a user without an admin role, may change an admin's account)
CHANGE_USER_TABLE = {
    "global_admin": (True, True),
    "sub_admin_s": (False, False),
    "sub_admin_t": (False, False),
    "user_admin": (True, False),
    "no_role": (False, False),
    "inactive_admin": (False, False),
    "anonymous": (False, False),
}


@pytest.mark.parametrize("role", ROLES)
def test_who_may_change_whose_account(role, actor_for):
    scope = admin_scope(actor_for(role))

    allowed = tuple(scope.can_change_user(holds_admin_role=admin) for admin in (False, True))

    assert allowed == CHANGE_USER_TABLE[role]
