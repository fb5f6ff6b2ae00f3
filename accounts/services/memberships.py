"""Who is in which group, set-based: the building blocks of the group and user services, run in their transaction
under their locks (accounts/services/locks.py). Each member added or removed gets one audit event naming the group
in its details, written set-based like the rows themselves.

Every write that changes memberships runs them inside `memberships_changing`, which collects who joined or left
which group (and whose group sources count again: `sources_restored`) and, when the outermost block ends, sends
`accounts.signals.memberships_changed` once: the licenses of the groups follow in the same transaction, with every
pool locked once, in the one lock order.
"""

from collections import defaultdict
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Exists, F, OuterRef, QuerySet
from django.utils import timezone

from core.audit import Actor, audit_record_for_users, chunks
from core.choices import AuditAction

from ..choices import GroupKind
from ..group_rules import rule_filter
from ..models import Group, GroupMembership, User
from ..signals import memberships_changed
from .locks import groups_hold


@dataclass
class _Changes:
    members: dict[Group, set[int]] = field(default_factory=lambda: defaultdict(set))
    restored: set[int] = field(default_factory=set)


_changes: ContextVar[_Changes | None] = ContextVar("membership_changes", default=None)


@contextmanager
def memberships_changing(by: Actor) -> Iterator[None]:
    """Run membership changes; when the outermost such block ends without error, send `memberships_changed` once
    for all of them. Nested blocks (a user's change inside an import) join the outermost one."""
    if _changes.get() is not None:
        yield
        return
    token = _changes.set(_Changes())
    try:
        yield
        changes = _changes.get()
        changed = {group: user_ids for group, user_ids in changes.members.items() if user_ids}
    finally:
        _changes.reset(token)
    if changed or changes.restored:
        memberships_changed.send(
            sender=GroupMembership,
            by=by,
            changes={group.pk: sorted(user_ids) for group, user_ids in changed.items()},
            groups={group.pk: group for group in changed},
            restored=sorted(changes.restored),
        )


def _collector() -> _Changes:
    changes = _changes.get()
    if changes is None:
        raise RuntimeError("Memberships change only inside memberships_changing, so that their licenses follow.")
    return changes


def _changed(group: Group, user_ids: Collection[int]) -> None:
    _collector().members[group].update(user_ids)


def sources_restored(user_ids: Collection[int]) -> None:
    """These users' licenses had been reclaimed and their accounts are enabled again: every group they are in
    gives them its licenses again, or a place in the line, when the block ends (with the memberships' changes, so
    that the pools are locked once)."""
    _collector().restored.update(user_ids)


def group_details(group: Group) -> dict:
    """How an audit event names a group: by id, and by name as it was then."""
    return {"group_id": group.pk, "group": group.name}


def members_insert(*, by: Actor, group: Group, users: QuerySet) -> list[int]:
    """Make the `users` (a User queryset) that are not yet members of `group` members: one INSERT … SELECT.
    Returns their ids."""
    # NOT EXISTS, not NOT IN: PostgreSQL probes the (group, user) index for each user instead of hashing every
    # member of the group first (12 ms for one new user of a group of 12,500).
    newcomers = users.exclude(Exists(GroupMembership.objects.filter(group=group, user=OuterRef("pk"))))
    try:
        sql, params = newcomers.order_by().values(newcomer_id=F("pk")).query.sql_with_params()
    except EmptyResultSet:  # a filter that matches nothing, such as an empty list of ids
        return []
    qn = connection.ops.quote_name
    added_at = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {qn(GroupMembership._meta.db_table)} (group_id, user_id, added_at)"
            f" SELECT %s, newcomer.newcomer_id, %s FROM ({sql}) newcomer RETURNING user_id",
            [group.pk, added_at, *params],
        )
        added = sorted(user_id for (user_id,) in cursor.fetchall())
    _changed(group, added)
    if added:
        audit_record_for_users(AuditAction.GROUP_MEMBER_ADDED, actor=by, user_ids=added, details=group_details(group))
    return added


def members_delete(*, by: Actor, group: Group, memberships: QuerySet) -> list[int]:
    """Delete `memberships` (of `group`); returns the ids of the users who left."""
    removed = sorted(memberships.values_list("user_id", flat=True))
    for chunk in chunks(removed):
        GroupMembership.objects.filter(group=group, user_id__in=chunk).delete()
    _changed(group, removed)
    if removed:
        audit_record_for_users(
            AuditAction.GROUP_MEMBER_REMOVED, actor=by, user_ids=removed, details=group_details(group)
        )
    return removed


def group_emptied(group: Group) -> int:
    """Take every member out of a group that is being deleted (its deletion event counts them, so no event per
    member); returns how many there were."""
    members = sorted(GroupMembership.objects.filter(group=group).values_list("user_id", flat=True))
    GroupMembership.objects.filter(group=group).delete()
    _changed(group, members)
    return len(members)


def group_rule_recompute(
    *, by: Actor, group: Group, user_ids: Collection[int] | None = None, new: bool = False
) -> tuple[list[int], list[int]]:
    """Make a dynamic group's members exactly the users its rule matches (among `user_ids` only, when given), set
    based: delete the memberships that no longer match, insert the matching users not yet members. Returns the
    ids of the users added and removed. `new`: the users were just created, so they are members of nothing yet."""
    matching = User.objects.filter(rule_filter(group.rule))
    memberships = GroupMembership.objects.filter(group=group)
    added: list[int] = []
    removed: list[int] = []
    for chunk in [None] if user_ids is None else chunks(sorted(user_ids)):
        users = matching if chunk is None else matching.filter(pk__in=chunk)
        members = memberships if chunk is None else memberships.filter(user_id__in=chunk)
        if not new:
            # NOT EXISTS, as in members_insert.
            unmatched = members.exclude(Exists(matching.filter(pk=OuterRef("user_id"))))
            removed += members_delete(by=by, group=group, memberships=unmatched)
        added += members_insert(by=by, group=group, users=users)
    return added, removed


def dynamic_memberships_update(*, by: Actor, user_ids: Collection[int], new: bool = False) -> None:
    """After these users were created (`new`) or their attributes changed (and while they are locked), bring their
    memberships of every dynamic group up to date, in the caller's transaction."""
    if not user_ids:
        return
    groups_hold()
    for group in Group.objects.filter(kind=GroupKind.DYNAMIC).order_by("pk"):
        group_rule_recompute(by=by, group=group, user_ids=user_ids, new=new)


def assigned_groups_set(*, by: Actor, groups_of: Mapping[int, Collection[Group]]) -> set[int]:
    """Make each user's assigned groups exactly `groups_of[user_id]`, in the caller's transaction, after it has
    locked the users and held the groups (`groups_hold`): set-based, one INSERT … SELECT or DELETE per group and
    chunk of users. Returns the ids of the users whose assigned groups changed."""
    held: dict[int, set[int]] = defaultdict(set)
    for chunk in chunks(sorted(groups_of)):
        memberships = GroupMembership.objects.filter(user_id__in=chunk, group__kind=GroupKind.ASSIGNED)
        for user_id, group_id in memberships.values_list("user_id", "group_id"):
            held[user_id].add(group_id)
    joining: dict[int, list[int]] = defaultdict(list)
    leaving: dict[int, list[int]] = defaultdict(list)
    for user_id, groups in groups_of.items():
        wanted = {group.pk for group in groups}
        for group_id in wanted - held[user_id]:
            joining[group_id].append(user_id)
        for group_id in held[user_id] - wanted:
            leaving[group_id].append(user_id)
    groups = Group.objects.in_bulk({*joining, *leaving})
    for group_id in sorted(groups):
        group = groups[group_id]
        for chunk in chunks(sorted(leaving[group_id])):
            members_delete(
                by=by, group=group, memberships=GroupMembership.objects.filter(group=group, user_id__in=chunk)
            )
        for chunk in chunks(sorted(joining[group_id])):
            members_insert(by=by, group=group, users=User.objects.filter(pk__in=chunk))
    return {user_id for users in (*joining.values(), *leaving.values()) for user_id in users}
