"""accounts.selectors: users named by email, one user for a page, the departments of the filter, the roles held, a
user's API tokens, and a group's number of members and their version."""

import pytest

from accounts.choices import Role
from accounts.models import Group
from accounts.selectors import (
    api_tokens_of,
    departments_list,
    group_get,
    group_member_count,
    group_members,
    group_members_version,
    group_members_version_as_read,
    groups_visible,
    roles_visible,
    user_get,
    users_by_email,
    users_resolve,
)
from accounts.services.groups import group_members_change
from accounts.services.tokens import api_token_create
from accounts.services.users import user_delete
from core.audit import SYSTEM, Actor
from core.choices import Source
from core.errors import NotFound, PermissionDenied
from tests.factories import GroupFactory, UserFactory


def test_resolve_keeps_the_order_given_ignores_case_and_repeats(org):
    found = users_resolve(
        emails=["Henrietta.Mueller@CONTOSO.test", " adele.vance@contoso.test ", "ADELE.VANCE@contoso.test"]
    )

    assert found == [org.henrietta, org.adele]


def test_resolve_names_every_unknown_email_and_only_those(org):
    with pytest.raises(NotFound) as caught:
        users_resolve(emails=["nobody@contoso.test", "adele.vance@contoso.test", "Ghost@Contoso.test"])

    assert caught.value.details == {"emails": ["nobody@contoso.test", "ghost@contoso.test"]}


def test_by_email_leaves_unknown_emails_out(org):
    assert users_by_email(emails=["ALEX.WILBER@contoso.test", "nobody@contoso.test"]) == {
        "alex.wilber@contoso.test": org.alex
    }


def test_the_departments_are_distinct_and_in_order(db):
    for department in ["Sales", "IT", "Sales", "Engineering", "", "IT"]:
        UserFactory(department=department)

    assert departments_list() == ["Engineering", "IT", "Sales"]


def test_no_users_no_departments(db):
    assert departments_list() == []


@pytest.mark.parametrize("role", ["global_admin", "subscription_admin", "user_admin"])
def test_every_admin_may_get_a_user(org, role):
    assert user_get(actor=org.users[role], user_id=org.adele.pk) == org.adele


def test_an_operator_may_get_a_user(org):
    assert user_get(actor=None, user_id=org.alex.pk) == org.alex


def test_a_member_may_not_get_a_user(org):
    with pytest.raises(PermissionDenied):
        user_get(actor=org.users["member"], user_id=org.adele.pk)


def test_an_unknown_user_is_not_found(org):
    with pytest.raises(NotFound):
        user_get(actor=org.users["global_admin"], user_id=999_999)


# --- roles and API tokens ----------------------------------------------------------------------------------------


def test_roles_visible_to_a_global_admin_are_all_of_them(org, out_of_scope_admin):
    roles = roles_visible(actor=org.users["global_admin"])

    assert {(held.user.email, held.role, held.subscription_id) for held in roles} == {
        ("gloria.admin@contoso.test", Role.GLOBAL_ADMIN, None),
        ("uma.useradmin@contoso.test", Role.USER_ADMIN, None),
        ("sam.subadmin@contoso.test", Role.SUBSCRIPTION_ADMIN, org.s.pk),
        (out_of_scope_admin.email, Role.SUBSCRIPTION_ADMIN, org.t.pk),
    }


def test_a_subscription_admin_sees_no_role_scoped_to_another_subscription(org, out_of_scope_admin):
    roles = roles_visible(actor=org.users["subscription_admin"])

    assert {held.subscription_id for held in roles} == {None, org.s.pk}
    assert out_of_scope_admin not in {held.user for held in roles}


def test_roles_are_for_admins_only(org):
    with pytest.raises(PermissionDenied):
        roles_visible(actor=org.users["member"])


def test_api_tokens_of_a_user_are_theirs_newest_first(org):
    by = Actor(None, Source.CLI)
    first, _ = api_token_create(by=by, user=org.adele, name="first")
    second, _ = api_token_create(by=by, user=org.adele, name="second")
    api_token_create(by=by, user=org.alex, name="someone else's")

    assert list(api_tokens_of(user=org.adele)) == [second, first]


# --- a group's members counted -------------------------------------------------------------------------------


def counts_of(group: Group, actor) -> tuple[int, int, int]:
    """The group's number of members as groups_visible reads it with the group, counted anew for a group read
    without it, and as the users joined to the memberships count it."""
    return (
        group_member_count(group_get(actor=actor, group_id=group.pk)),
        group_member_count(Group.objects.get(pk=group.pk)),
        group_members(actor=actor, group=group).count(),
    )


def versions_of(group: Group, actor) -> tuple[str, str]:
    read = groups_visible(actor=actor, members_version=True).get(pk=group.pk)
    return group_members_version_as_read(read), group_members_version(group)


def test_a_groups_member_count_and_version_follow_its_members(org):
    admin = org.users["global_admin"]
    group = GroupFactory()
    assert counts_of(group, admin) == (0, 0, 0)
    assert versions_of(group, admin) == ('"0-0"', '"0-0"')
    seen = {versions_of(group, admin)[0]}

    group_members_change(by=SYSTEM, group=group, add=[org.adele, org.alex, org.henrietta])
    assert counts_of(group, admin) == (3, 3, 3)
    seen.add(versions_of(group, admin)[0])
    group_members_change(by=SYSTEM, group=group, remove=[org.alex])
    assert counts_of(group, admin) == (2, 2, 2)
    seen.add(versions_of(group, admin)[0])
    user_delete(by=SYSTEM, user=org.henrietta)  # the membership goes with the user
    assert counts_of(group, admin) == (1, 1, 1)
    seen.add(versions_of(group, admin)[0])

    read, now = versions_of(group, admin)
    assert read == now and len(seen) == 4


def test_a_count_read_with_the_group_costs_no_query_and_none_joins_the_users(org, django_assert_num_queries):
    group = GroupFactory()
    group_members_change(by=SYSTEM, group=group, add=[org.adele, org.alex])
    read = groups_visible(actor=org.users["global_admin"], members_version=True).get(pk=group.pk)
    bare = Group.objects.get(pk=group.pk)
    version = group_members_version(bare)
    with django_assert_num_queries(0):
        assert group_member_count(read) == 2
        assert group_members_version_as_read(read) == version
    with django_assert_num_queries(1) as captured:
        assert group_member_count(bare) == 2
    assert '"accounts_user"' not in captured.captured_queries[0]["sql"]
