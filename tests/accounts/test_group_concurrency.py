"""Races on PostgreSQL over groups (docs/architecture.md, "The lock order"): admins changing the same group's members
at once, and users' changes racing a rule's change or a group's creation. Whatever the interleaving there is no
duplicate membership and no deadlock, a dynamic group ends with exactly the users its rule matches, and the audit
log replays, member by member, to the memberships there are."""

import random
from functools import partial

import pytest

from accounts.choices import GroupKind
from accounts.group_rules import rule_filter
from accounts.models import Group, GroupMembership, User
from accounts.services.groups import group_create, group_members_change, group_update
from accounts.services.imports import users_import
from accounts.services.users import user_update
from core.audit import Actor
from core.choices import AuditAction, Source
from core.models import AuditEvent
from tests.concurrency import codes, run_at_once, unexpected
from tests.factories import GroupFactory, UserFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

OPERATOR = Actor(None, Source.API)
DEPARTMENTS = ["Sales", "Marketing", "Legal"]


def members(group: Group) -> set[int]:
    return set(GroupMembership.objects.filter(group=group).values_list("user_id", flat=True))


def assert_audit_replays(group: Group) -> None:
    """Per user, the group's member events alternate added, removed, … and end in the membership there is now."""
    history: dict[int, list[str]] = {}
    events = AuditEvent.objects.filter(details__group_id=group.pk, action__startswith="group_member").order_by("pk")
    for user_id, action in events.values_list("subject_user_id", "action"):
        history.setdefault(user_id, []).append(action)
    for user_id, actions in history.items():
        expected = [AuditAction.GROUP_MEMBER_ADDED, AuditAction.GROUP_MEMBER_REMOVED] * len(actions)
        assert actions == expected[: len(actions)], (user_id, actions)
    present = {user_id for user_id, actions in history.items() if actions[-1] == AuditAction.GROUP_MEMBER_ADDED}
    assert present == members(group)


def test_admins_changing_the_same_members_at_once_queue(global_admin):
    group = GroupFactory()
    users = UserFactory.create_batch(12)
    chooser = random.Random(7)
    changes = [{"add": chooser.sample(users[:8], 4), "remove": chooser.sample(users[8:], 2)} for _ in range(6)] + [
        {"add": chooser.sample(users[8:], 3), "remove": chooser.sample(users[:8], 3)} for _ in range(6)
    ]

    outcomes = run_at_once(
        [
            lambda change=change: group_members_change(group=group, **change, by=Actor(global_admin, Source.API))
            for change in changes
        ]
    )

    assert unexpected(outcomes) == []
    assert codes(outcomes) == {"ok": 12}
    added = sum(len(result.added) for _, result in outcomes)
    removed = sum(len(result.removed) for _, result in outcomes)
    assert AuditEvent.objects.filter(action=AuditAction.GROUP_MEMBER_ADDED).count() == added
    assert AuditEvent.objects.filter(action=AuditAction.GROUP_MEMBER_REMOVED).count() == removed
    assert GroupMembership.objects.filter(group=group).count() == added - removed
    assert_audit_replays(group)


def test_users_changes_racing_a_rule_change_leave_the_rule_matching_the_members():
    users = [UserFactory(department=DEPARTMENTS[index % 3]) for index in range(12)]
    group = group_create(name="Sellers", kind=GroupKind.DYNAMIC, rule={"department": ["Sales"]}, by=OPERATOR)
    chooser = random.Random(11)
    for _ in range(3):
        calls = [
            partial(user_update, user=user, department=chooser.choice(DEPARTMENTS), by=OPERATOR)
            for user in chooser.sample(users, 6)
        ]
        calls.append(
            partial(group_update, group=group, rule={"department": chooser.sample(DEPARTMENTS, 2)}, by=OPERATOR)
        )
        rows = [{"email": user.email, "department": chooser.choice(DEPARTMENTS)} for user in chooser.sample(users, 4)]
        calls.append(partial(users_import, rows=rows, by=OPERATOR))

        outcomes = run_at_once(calls)

        assert unexpected(outcomes) == []
        group.refresh_from_db()
        assert members(group) == set(User.objects.filter(rule_filter(group.rule)).values_list("pk", flat=True))
        assert_audit_replays(group)


def test_users_changes_racing_a_groups_creation_are_seen_by_it():
    users = UserFactory.create_batch(8, department="Legal")

    outcomes = run_at_once(
        [lambda user=user: user_update(user=user, department="Sales", by=OPERATOR) for user in users[:6]]
        + [lambda: group_create(name="Sellers", kind=GroupKind.DYNAMIC, rule={"department": ["Sales"]}, by=OPERATOR)]
    )

    assert unexpected(outcomes) == []
    group = Group.objects.get()
    assert members(group) == {user.pk for user in users[:6]}
    assert_audit_replays(group)
