"""accounts.services.groups and memberships: who may manage groups, what a group may be, the audit events, a
dynamic group's members following its rule set-based, and users' changes keeping their dynamic memberships."""

import pytest
from django.db import IntegrityError, transaction

from accounts.choices import GroupKind, Role
from accounts.group_rules import rule_validated
from accounts.models import Group, GroupMembership
from accounts.services.groups import group_create, group_delete, group_members_change, group_update
from accounts.services.imports import users_import
from accounts.services.users import user_create, user_update
from core.audit import Actor
from core.choices import AuditAction, Source
from core.errors import PermissionDenied, ValidationFailed
from core.models import AuditEvent
from tests.factories import GroupFactory, RoleAssignmentFactory, SubscriptionFactory, UserFactory

pytestmark = pytest.mark.django_db

OPERATOR = Actor(None, Source.CLI, label="ops")
SALES_OR_MARKETING_IN_US = {"department": ["Sales", "Marketing"], "usage_location": ["US"]}


def members(group: Group) -> set[str]:
    return set(GroupMembership.objects.filter(group=group).values_list("user__email", flat=True))


def member_events(action: str) -> list[tuple[str, str]]:
    events = AuditEvent.objects.filter(action=action).order_by("subject_user_label")
    return [(event.subject_user_label, event.details["group"]) for event in events]


def dynamic(rule=None, name="US sales", by=OPERATOR) -> Group:
    return group_create(name=name, kind=GroupKind.DYNAMIC, rule=rule or SALES_OR_MARKETING_IN_US, by=by)


@pytest.fixture
def people(db):
    """Who matches SALES_OR_MARKETING_IN_US: ann and bo; not cy (Legal), di (DE)."""
    return {
        "ann": UserFactory(email="ann@example.test", department="Sales", usage_location="US"),
        "bo": UserFactory(email="bo@example.test", department="Marketing", usage_location="US"),
        "cy": UserFactory(email="cy@example.test", department="Legal", usage_location="US"),
        "di": UserFactory(email="di@example.test", department="Sales", usage_location="DE"),
    }


# --- who may manage groups ------------------------------------------------------------------------------------


def role_user(role: str):
    if role == "member":
        return UserFactory()
    subscription = SubscriptionFactory() if role == Role.SUBSCRIPTION_ADMIN else None
    return RoleAssignmentFactory(role=role, subscription=subscription).user


MANAGE = {Role.GLOBAL_ADMIN: True, Role.USER_ADMIN: True, Role.SUBSCRIPTION_ADMIN: False, "member": False}


@pytest.mark.parametrize(("role", "allowed"), MANAGE.items())
def test_only_global_and_user_administrators_manage_groups(role, allowed, people):
    by = Actor(role_user(role), Source.API)
    group = GroupFactory(name="Existing")
    operations = [
        lambda: group_create(name="New", kind=GroupKind.ASSIGNED, by=by),
        lambda: group_update(group=group, description="x", by=by),
        lambda: group_members_change(group=group, add=[people["ann"]], by=by),
        lambda: group_delete(group=group, by=by),
    ]
    for operation in operations:
        if allowed:
            operation()
        else:
            with pytest.raises(PermissionDenied):
                operation()
    assert Group.objects.filter(name="New").exists() == allowed
    assert AuditEvent.objects.exists() == allowed


def test_the_operator_manages_groups():
    group = group_create(name="Ops", kind=GroupKind.ASSIGNED, by=OPERATOR)
    (event,) = AuditEvent.objects.all()
    assert (event.action, event.actor_label, event.source) == (AuditAction.GROUP_CREATED, "ops", Source.CLI)
    assert event.details == {
        "group_id": group.pk,
        "group": "Ops",
        "kind": "assigned",
        "description": "",
        "rule": {},
    }


# --- what a group may be --------------------------------------------------------------------------------------


@pytest.mark.parametrize("taken", ["sales team", "SALES TEAM", "  Sales Team  "])
def test_names_are_unique_without_case(taken):
    group_create(name="Sales Team", kind=GroupKind.ASSIGNED, by=OPERATOR)
    with pytest.raises(ValidationFailed, match="already exists"):
        group_create(name=taken, kind=GroupKind.ASSIGNED, by=OPERATOR)
    other = group_create(name="Other", kind=GroupKind.ASSIGNED, by=OPERATOR)
    with pytest.raises(ValidationFailed, match="already exists"):
        group_update(group=other, name=taken, by=OPERATOR)
    assert Group.objects.count() == 2


def test_a_group_may_be_renamed_in_another_case_of_its_own_name():
    group = group_create(name="sales", kind=GroupKind.ASSIGNED, by=OPERATOR)
    assert group_update(group=group, name="Sales", by=OPERATOR).name == "Sales"


def test_the_database_refuses_a_second_name_differing_only_in_case():
    GroupFactory(name="Finance")
    with pytest.raises(IntegrityError), transaction.atomic():
        GroupFactory(name="FINANCE")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "  ", "kind": GroupKind.ASSIGNED}, "1 to 100 characters"),
        ({"name": "x" * 101, "kind": GroupKind.ASSIGNED}, "1 to 100 characters"),
        ({"name": "G", "kind": GroupKind.ASSIGNED, "description": "d" * 501}, "at most 500"),
        ({"name": "G", "kind": "nested"}, "Unknown kind"),
        ({"name": "G", "kind": GroupKind.ASSIGNED, "rule": {"department": ["Sales"]}}, "has no rule"),
        ({"name": "G", "kind": GroupKind.DYNAMIC}, "at least one attribute"),
        ({"name": "G", "kind": GroupKind.DYNAMIC, "rule": {}}, "at least one attribute"),
        ({"name": "G", "kind": GroupKind.DYNAMIC, "rule": ["Sales"]}, "at least one attribute"),
        ({"name": "G", "kind": GroupKind.DYNAMIC, "rule": {"manager": ["x"]}}, "Unknown rule attributes: manager"),
        ({"name": "G", "kind": GroupKind.DYNAMIC, "rule": {"department": []}}, "non-empty list"),
        ({"name": "G", "kind": GroupKind.DYNAMIC, "rule": {"department": "Sales"}}, "non-empty list"),
        ({"name": "G", "kind": GroupKind.DYNAMIC, "rule": {"department": [1]}}, "non-empty list"),
        ({"name": "G", "kind": GroupKind.DYNAMIC, "rule": {"is_active": ["true"]}}, "true or false"),
        ({"name": "G", "kind": GroupKind.DYNAMIC, "rule": {"job_title": ["x" * 101]}}, "at most 100 characters"),
        ({"name": "G", "kind": GroupKind.DYNAMIC, "rule": {"job_title": ["a\x00b"]}}, "non-empty list"),
    ],
)
def test_invalid_groups_are_refused(fields, message):
    with pytest.raises(ValidationFailed, match=message):
        group_create(**fields, by=OPERATOR)
    assert not Group.objects.exists()
    assert not AuditEvent.objects.exists()


def test_a_rule_is_stored_in_one_form():
    rule = {"usage_location": ["us", "US", "de"], "is_active": [True], "department": ["Sales", "Sales"]}
    assert rule_validated(rule) == {"department": ["Sales"], "usage_location": ["US", "DE"], "is_active": [True]}


def test_a_groups_kind_cannot_change(people):
    group = GroupFactory()
    with pytest.raises(ValidationFailed, match="kind cannot change"):
        group_update(group=group, kind=GroupKind.DYNAMIC, rule=SALES_OR_MARKETING_IN_US, by=OPERATOR)
    with pytest.raises(ValidationFailed, match="Unknown group fields: members"):
        group_update(group=group, members=[], by=OPERATOR)
    with pytest.raises(ValidationFailed, match="has no rule"):
        group_update(group=group, rule={"department": ["Sales"]}, by=OPERATOR)
    assert group_update(group=group, kind=GroupKind.ASSIGNED, by=OPERATOR).kind == GroupKind.ASSIGNED
    assert not AuditEvent.objects.exists()


# --- audit events of a group ----------------------------------------------------------------------------------


def test_an_update_records_what_changed_under_the_old_name():
    group = group_create(name="Legal", kind=GroupKind.ASSIGNED, by=OPERATOR)
    group_update(group=group, name="Legal team", description="Counsel and paralegals", by=OPERATOR)
    group_update(group=group, name="Legal team", by=OPERATOR)  # no change, no event

    (event,) = AuditEvent.objects.filter(action=AuditAction.GROUP_UPDATED)
    assert event.details == {
        "group_id": group.pk,
        "group": "Legal",
        "changes": {
            "name": {"old": "Legal", "new": "Legal team"},
            "description": {"old": "", "new": "Counsel and paralegals"},
        },
    }


def test_deleting_a_group_deletes_its_memberships_with_one_event(people):
    group = dynamic()
    group_delete(group=group, by=OPERATOR)

    assert not Group.objects.exists()
    assert not GroupMembership.objects.exists()
    (event,) = AuditEvent.objects.filter(action=AuditAction.GROUP_DELETED)
    assert event.details == {"group_id": group.pk, "group": "US sales", "members": 2}
    assert people["ann"].pk  # the users stay


# --- an assigned group's members ------------------------------------------------------------------------------


def test_members_are_added_and_removed_at_once_with_one_event_each(people, user_admin):
    group = GroupFactory(name="Project X")
    by = Actor(user_admin, Source.API)
    group_members_change(group=group, add=[people["ann"], people["bo"]], by=by)

    change = group_members_change(group=group, add=[people["cy"], people["ann"]], remove=[people["bo"]], by=by)

    assert (change.added, change.removed) == ([people["cy"].pk], [people["bo"].pk])
    assert members(group) == {"ann@example.test", "cy@example.test"}
    assert member_events(AuditAction.GROUP_MEMBER_ADDED) == [
        ("ann@example.test", "Project X"),
        ("bo@example.test", "Project X"),
        ("cy@example.test", "Project X"),
    ]
    assert member_events(AuditAction.GROUP_MEMBER_REMOVED) == [("bo@example.test", "Project X")]
    event = AuditEvent.objects.filter(action=AuditAction.GROUP_MEMBER_REMOVED).get()
    assert (event.actor, event.source, event.subject_user, event.details["group_id"]) == (
        user_admin,
        Source.API,
        people["bo"],
        group.pk,
    )


def test_adding_a_member_again_or_removing_a_non_member_changes_nothing(people):
    group = GroupFactory()
    group_members_change(group=group, add=[people["ann"]], by=OPERATOR)
    events = AuditEvent.objects.count()

    change = group_members_change(group=group, add=[people["ann"]], remove=[people["bo"]], by=OPERATOR)

    assert (change.added, change.removed) == ([], [])
    assert AuditEvent.objects.count() == events


def test_a_change_is_all_or_nothing(people):
    group = GroupFactory()
    with pytest.raises(ValidationFailed, match="Both added and removed: ann@example.test"):
        group_members_change(group=group, add=[people["bo"], people["ann"]], remove=[people["ann"]], by=OPERATOR)
    assert members(group) == set()
    assert not AuditEvent.objects.exists()


def test_a_dynamic_groups_members_cannot_be_changed_by_hand(people):
    group = dynamic()
    with pytest.raises(ValidationFailed, match="dynamic group"):
        group_members_change(group=group, add=[people["cy"]], by=OPERATOR)
    assert members(group) == {"ann@example.test", "bo@example.test"}


# --- a dynamic group's rule -----------------------------------------------------------------------------------


def test_a_dynamic_group_starts_with_the_users_its_rule_matches(people):
    group = dynamic()

    assert members(group) == {"ann@example.test", "bo@example.test"}
    assert member_events(AuditAction.GROUP_MEMBER_ADDED) == [
        ("ann@example.test", "US sales"),
        ("bo@example.test", "US sales"),
    ]


def test_a_new_rule_recomputes_the_members_set_based(people, django_assert_max_num_queries):
    group = dynamic()
    people["bo"].is_active = False
    people["bo"].save()

    with django_assert_max_num_queries(14):  # the same for any number of users
        group = group_update(group=group, rule={"usage_location": ["US"], "is_active": [True]}, by=OPERATOR)

    assert members(group) == {"ann@example.test", "cy@example.test"}
    assert member_events(AuditAction.GROUP_MEMBER_ADDED)[-1] == ("cy@example.test", "US sales")
    assert member_events(AuditAction.GROUP_MEMBER_REMOVED) == [("bo@example.test", "US sales")]
    assert group.rule == {"usage_location": ["US"], "is_active": [True]}


def test_renaming_a_dynamic_group_keeps_its_members_and_names_it_anew(people):
    group = dynamic()
    group_update(group=group, name="Americas sales", by=OPERATOR)
    user_update(user=people["cy"], department="Sales", by=OPERATOR)

    assert members(group) == {"ann@example.test", "bo@example.test", "cy@example.test"}
    assert member_events(AuditAction.GROUP_MEMBER_ADDED)[-1] == ("cy@example.test", "Americas sales")


# --- users' changes keep their dynamic memberships ------------------------------------------------------------


def test_creating_a_user_puts_them_in_the_dynamic_groups_they_match(people):
    group = dynamic()
    other = dynamic({"job_title": ["Counsel"]}, name="Counsel")

    user_create(email="eve@example.test", department="Marketing", usage_location="US", by=OPERATOR)

    assert "eve@example.test" in members(group)
    assert members(other) == set()


def test_editing_a_user_moves_them_between_dynamic_groups(people):
    us_sales = dynamic()
    legal = dynamic({"department": ["Legal"]}, name="Legal")
    assigned = GroupFactory()
    group_members_change(group=assigned, add=[people["ann"]], by=OPERATOR)

    user_update(user=people["ann"], department="Legal", by=OPERATOR)

    assert members(us_sales) == {"bo@example.test"}
    assert members(legal) == {"ann@example.test", "cy@example.test"}
    assert members(assigned) == {"ann@example.test"}  # an assigned group does not follow attributes
    ann_events = AuditEvent.objects.filter(subject_user=people["ann"]).order_by("pk")
    assert [(event.action, event.details.get("group")) for event in ann_events][-3:] == [
        (AuditAction.USER_UPDATED, None),
        (AuditAction.GROUP_MEMBER_REMOVED, "US sales"),
        (AuditAction.GROUP_MEMBER_ADDED, "Legal"),
    ]


def test_disabling_a_user_leaves_the_groups_that_want_active_users(people):
    group = dynamic({"is_active": [True], "department": ["Sales"]}, name="Active sales")
    user_update(user=people["ann"], is_active=False, by=OPERATOR)
    assert members(group) == {"di@example.test"}


def test_a_change_of_other_fields_touches_no_membership(people):
    dynamic()
    user_update(user=people["ann"], display_name="Ann L.", by=OPERATOR)
    assert AuditEvent.objects.filter(action__startswith="group_member").count() == 2  # from the group's creation


def test_importing_users_updates_dynamic_memberships_set_based(people):
    group = dynamic()

    result = users_import(
        rows=[
            {"email": "ann@example.test", "department": "Legal"},  # leaves
            {"email": "cy@example.test", "department": "Sales"},  # joins
            {"email": "new@example.test", "department": "Marketing", "usage_location": "US"},  # joins
            {"email": "bo@example.test", "display_name": "Bo"},  # stays
        ],
        by=OPERATOR,
    )

    assert (result.created, result.updated) == (1, 3)
    assert members(group) == {"bo@example.test", "cy@example.test", "new@example.test"}
    assert member_events(AuditAction.GROUP_MEMBER_REMOVED) == [("ann@example.test", "US sales")]


# --- import_users' groups -------------------------------------------------------------------------------------


def test_an_import_sets_each_listed_users_assigned_groups(people):
    alpha, beta, gamma = GroupFactory(name="Alpha"), GroupFactory(name="Beta"), GroupFactory(name="Gamma")
    group_members_change(group=alpha, add=[people["ann"], people["bo"]], by=OPERATOR)
    group_members_change(group=gamma, add=[people["ann"]], by=OPERATOR)
    before = AuditEvent.objects.count()

    result = users_import(
        rows=[
            {"email": "ann@example.test", "groups": ["alpha", "BETA"]},  # stays in Alpha, joins Beta, leaves Gamma
            {"email": "bo@example.test", "groups": []},  # leaves Alpha
            {"email": "new@example.test", "groups": ["Beta"]},
            {"email": "cy@example.test"},  # no groups cell: keeps them
        ],
        by=OPERATOR,
    )

    assert members(alpha) == {"ann@example.test"}
    assert members(beta) == {"ann@example.test", "new@example.test"}
    assert members(gamma) == set()
    # Ann and Bo changed only groups, and count as updated; Cy is unchanged.
    assert (result.created, result.updated, result.unchanged) == (1, 2, 1)
    changes = AuditEvent.objects.filter(pk__gt=0).order_by("pk")[before:]
    assert sorted((e.action, e.subject_user_label, e.details.get("group")) for e in changes) == [
        (AuditAction.GROUP_MEMBER_ADDED, "ann@example.test", "Beta"),
        (AuditAction.GROUP_MEMBER_ADDED, "new@example.test", "Beta"),
        (AuditAction.GROUP_MEMBER_REMOVED, "ann@example.test", "Gamma"),
        (AuditAction.GROUP_MEMBER_REMOVED, "bo@example.test", "Alpha"),
        (AuditAction.USER_CREATED, "new@example.test", None),
    ]


@pytest.mark.parametrize(("names", "message"), [(["Nope"], "no group named Nope"), (["US sales"], "dynamic")])
def test_an_import_naming_an_unknown_or_dynamic_group_writes_nothing(people, names, message):
    dynamic()
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationFailed, match=message):
        users_import(rows=[{"email": "new@example.test", "department": "Sales", "groups": names}], by=OPERATOR)
    assert AuditEvent.objects.count() == before
    assert not GroupMembership.objects.filter(user__email="new@example.test").exists()
