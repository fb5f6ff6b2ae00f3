"""create_group, edit_group, delete_group, group_members, and import_users' groups column."""

import pytest

from accounts.models import Group, GroupMembership
from core.choices import AuditAction, Source
from core.models import AuditEvent
from tests.factories import GroupFactory, UserFactory


@pytest.fixture
def people(db):
    return {
        "ann": UserFactory(email="ann@example.test", department="Sales", usage_location="US"),
        "bo": UserFactory(email="bo@example.test", department="Marketing", usage_location="DE"),
        "cy": UserFactory(email="cy@example.test", department="Legal", usage_location="US", is_active=False),
    }


def member_emails(name: str) -> set[str]:
    return set(GroupMembership.objects.filter(group__name=name).values_list("user__email", flat=True))


# --- create_group, edit_group, delete_group -------------------------------------------------------------------


def test_create_an_assigned_group(run):
    result = run("create_group", "Project X", "--description", "The X team")

    assert (result.code, result.out) == (0, f"Created assigned group Project X (id {Group.objects.get().pk}).\n")
    group = Group.objects.get()
    assert (group.kind, group.description, group.rule) == ("assigned", "The X team", {})
    event = AuditEvent.objects.get()
    assert (event.action, event.source) == (AuditAction.GROUP_CREATED, Source.CLI)


def test_create_a_dynamic_group_from_rules(run, people):
    result = run(
        "create_group",
        "Active sellers",
        "--rule",
        "department=Sales, Marketing",
        "--rule",
        "is_active=yes",
        "--rule",
        "usage_location=us",
    )

    assert result.code == 0, result.err
    assert result.out == f"Created dynamic group Active sellers (id {Group.objects.get().pk}, members: 1).\n"
    assert Group.objects.get().rule == {
        "department": ["Sales", "Marketing"],
        "usage_location": ["US"],
        "is_active": [True],
    }
    assert member_emails("Active sellers") == {"ann@example.test"}


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["--rule", "department"], 2, "write ATTRIBUTE=VALUE"),
        (["--rule", "is_active=maybe"], 2, "true or false"),
        (["--rule", "manager=x"], 1, "error [validation_error]: Not a valid rule: Unknown rule attributes: manager"),
        (["--rule", "department="], 0, ""),  # the users without a department
    ],
)
def test_create_group_rule_errors(run, argv, code, message):
    result = run("create_group", "G", *argv)
    assert result.code == code, result.err
    assert message in result.err


def test_a_taken_name_in_any_case_is_refused(run):
    GroupFactory(name="Project X")
    result = run("create_group", "PROJECT x")
    assert (result.code, result.err.split(":")[0]) == (1, "error [validation_error]")
    assert Group.objects.count() == 1


def test_only_global_and_user_administrators_create_groups(run, subscription_admin, user_admin):
    denied = run("create_group", "G", "--as", subscription_admin.email)
    allowed = run("create_group", "G", "--as", user_admin.email)
    assert (denied.code, denied.err.split(":")[0]) == (1, "error [permission_denied]")
    assert allowed.code == 0
    assert AuditEvent.objects.get().actor == user_admin


def test_edit_group_renames_and_replaces_the_rule(run, people):
    run("create_group", "Sellers", "--rule", "department=Sales")

    result = run("edit_group", "sellers", "--rename", "EU sellers", "--rule", "usage_location=DE")

    assert (result.code, result.out) == (0, f"Updated group EU sellers (id {Group.objects.get().pk}, members: 1).\n")
    assert member_emails("EU sellers") == {"bo@example.test"}
    assert AuditEvent.objects.filter(action=AuditAction.GROUP_MEMBER_REMOVED).get().subject_user == people["ann"]


def test_edit_group_errors(run):
    GroupFactory(name="Project X")
    assert run("edit_group", "Project X").code == 2
    unknown = run("edit_group", "Nope", "--description", "x")
    assert (unknown.code, unknown.err) == (1, "error [not_found]: No group named Nope.\n")
    ruled = run("edit_group", "Project X", "--rule", "department=Sales")
    assert ruled.err.startswith("error [validation_error]: An assigned group has no rule")


def test_delete_group(run, people):
    group = GroupFactory(name="Project X")
    run("group_members", "Project X", "--add", "ann@example.test")

    result = run("delete_group", "project x")

    assert (result.code, result.out) == (0, "Deleted group Project X.\n")
    assert not Group.objects.filter(pk=group.pk).exists()
    assert run("delete_group", "Project X").code == 1


# --- group_members --------------------------------------------------------------------------------------------


def test_group_members_adds_and_removes_from_options_and_files(run, people, write_file):
    GroupFactory(name="Project X")
    run("group_members", "Project X", "--add", "cy@example.test")
    adds = write_file("adds.csv", "email,display_name\r\nANN@example.test,Ann\r\nbo@example.test,Bo\r\n")
    removes = write_file("removes.txt", "cy@example.test\n")

    result = run(
        "group_members", "Project X", "--add-file", adds, "--remove-file", removes, "--add", "ann@example.test"
    )

    assert (result.code, result.out) == (0, "Project X: added 2, removed 1, unchanged 0.\n")
    assert member_emails("Project X") == {"ann@example.test", "bo@example.test"}
    again = run("group_members", "Project X", "--add", "bo@example.test", "--remove", "cy@example.test")
    assert again.out == "Project X: added 0, removed 0, unchanged 2.\n"


def test_group_members_is_all_or_nothing(run, people, write_file):
    GroupFactory(name="Project X")
    bad = write_file("bad.txt", "ann@example.test\nnot-an-email\n")

    bad_file = run("group_members", "Project X", "--add-file", bad)
    unknown = run("group_members", "Project X", "--add", "ann@example.test", "--add", "nobody@example.test")

    assert (bad_file.code, bad_file.err.splitlines()[-1]) == (
        1,
        f"error [validation_error]: 1 bad lines in {bad}; nothing was changed.",
    )
    assert (unknown.code, unknown.err) == (1, "error [not_found]: Unknown user: nobody@example.test.\n")
    assert member_emails("Project X") == set()


def test_group_members_usage_and_dynamic_groups(run, people):
    run("create_group", "Sellers", "--rule", "department=Sales")
    assert run("group_members", "Sellers").code == 2
    assert run("group_members", "Sellers", "--add-file", "/no/such/file").code == 2
    dynamic = run("group_members", "Sellers", "--add", "bo@example.test")
    assert (dynamic.code, dynamic.err) == (
        1,
        "error [validation_error]: Sellers is a dynamic group: its members follow its rule.\n",
    )


def test_group_members_as_a_subscription_admin_is_denied(run, people, subscription_admin):
    GroupFactory(name="Project X")
    result = run("group_members", "Project X", "--add", "ann@example.test", "--as", subscription_admin.email)
    assert result.err.startswith("error [permission_denied]")
    assert member_emails("Project X") == set()


# --- import_users' groups column ------------------------------------------------------------------------------


def test_import_users_sets_assigned_groups_and_follows_dynamic_ones(run, people, write_file):
    GroupFactory(name="Alpha")
    GroupFactory(name="Beta")
    run("create_group", "Sellers", "--rule", "department=Sales")
    run("group_members", "Alpha", "--add", "bo@example.test")
    path = write_file(
        "users.csv",
        "email,department,groups\n"
        "ann@example.test,Legal,alpha; beta\n"  # leaves Sellers by department, joins Alpha and Beta
        "bo@example.test,Marketing,\n"  # an empty cell: no assigned group
        "new@example.test,Sales,Beta\n",
    )

    result = run("import_users", path)

    # Bo's fields stay as they were, but he leaves Alpha: updated too.
    assert (result.code, result.out) == (0, "created 1, updated 2, unchanged 0, skipped 0 bad rows.\n")
    assert member_emails("Alpha") == {"ann@example.test"}
    assert member_emails("Beta") == {"ann@example.test", "new@example.test"}
    assert member_emails("Sellers") == {"new@example.test"}


def test_import_users_refuses_unknown_and_dynamic_groups_per_row(run, people, write_file):
    GroupFactory(name="Alpha")
    run("create_group", "Sellers", "--rule", "department=Sales")
    path = write_file(
        "users.csv",
        "email,groups\nann@example.test,Alpha\nbo@example.test,Sellers\ncy@example.test,Nope;Alpha\n",
    )

    refused = run("import_users", path)

    assert refused.code == 1
    assert refused.err.splitlines() == [
        f"{path}: line 3: [validation_error] groups: Sellers: dynamic, its members follow its rule.",
        f"{path}: line 4: [validation_error] groups: no group named Nope.",
        f"error [validation_error]: 2 bad rows in {path}; nothing was written.",
    ]
    assert member_emails("Alpha") == set()

    skipped = run("import_users", path, "--skip-invalid")
    assert skipped.code == 0
    assert member_emails("Alpha") == {"ann@example.test"}


def test_import_users_dry_run_writes_no_membership(run, people, write_file):
    GroupFactory(name="Alpha")
    path = write_file("users.csv", "email,groups\nann@example.test,Alpha\n")
    result = run("import_users", path, "--dry-run")
    assert result.code == 0
    assert member_emails("Alpha") == set()
    assert not AuditEvent.objects.exists()
