"""Who holds and who waits for one pool's licenses, set-based: the building blocks of every licensing write, run in
its transaction while it holds the pool's lock (services/locks.py). The rows of a pool, its holders and its line,
change only under that lock, and each of these functions keeps the pool's counters, its rows and the audit log in
step (README, "Group licenses").

A user holds a pool's license while they have a source: a direct assignment, or membership of a group that holds
the pool. Group members for whom no license is free wait in the pool's line (PendingLicense), first come first
served; `line_serve` gives the licenses that free up to the first of them, in the transaction that frees them.
A disabled account whose licenses were reclaimed (User.licenses_reclaimed_at) has no group source until it is
enabled again.
"""

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Exists, OuterRef
from django.utils import timezone

from accounts.models import GroupMembership, User
from core.audit import Actor, audit_event_new, audit_record, audit_record_for_users, chunks
from core.choices import AuditAction
from core.lookups import in_ids_sql

from ..choices import ASSIGNABLE_STATUSES
from ..models import GroupLicense, LicenseAssignment, LicensePool, PendingLicense, Subscription

# Up to this many rows, a change builds them as objects in one statement across pools; past it, set-based per pool.
FEW = 500


def pool_assignable(pool: LicensePool) -> bool:
    """Whether the pool's subscription allows assignment now (read under the pool's lock, not from memory)."""
    return Subscription.objects.values_list("status", flat=True).get(pk=pool.subscription_id) in ASSIGNABLE_STATUSES


def group_sourced(pool: LicensePool, user_ref: str = "user_id") -> Exists:
    """Whether the outer row's user is a member of a group that holds `pool` (and their licenses were not
    reclaimed)."""
    return Exists(
        GroupMembership.objects.filter(
            user_id=OuterRef(user_ref), group__licenses__pool=pool, user__licenses_reclaimed_at=None
        )
    )


def counters_add(pool: LicensePool, *, assigned: int = 0, pending: int = 0) -> None:
    """Move the pool's counters, in the database and on the locked object."""
    counters_add_many({pool: (assigned, pending)})


def counters_add_many(deltas: Mapping[LicensePool, tuple[int, int]]) -> None:
    """Move the counters of several pools by (assigned, pending) each, in one statement and on the locked
    objects. Hand-written SQL: the ORM's CASE expression took longer to build than the update to run."""
    deltas = {pool: delta for pool, delta in deltas.items() if any(delta)}
    if not deltas:
        return
    cases = " ".join(["WHEN %s THEN %s"] * len(deltas))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {connection.ops.quote_name(LicensePool._meta.db_table)}"
            f" SET assigned = assigned + CASE id {cases} END, pending = pending + CASE id {cases} END"
            f" WHERE id IN ({', '.join(['%s'] * len(deltas))})",
            [
                *(value for pool, (assigned, _) in deltas.items() for value in (pool.pk, assigned)),
                *(value for pool, (_, pending) in deltas.items() for value in (pool.pk, pending)),
                *(pool.pk for pool in deltas),
            ],
        )
    for pool, (assigned, pending) in deltas.items():
        pool.assigned += assigned
        pool.pending += pending


def _audit(action: str, by: Actor, pool: LicensePool, user_ids: Sequence[int], details: dict[str, Any]) -> None:
    _audit_many(action, by, {pool: user_ids}, details)


def _audit_many(action: str, by: Actor, users_of: Mapping[LicensePool, Sequence[int]], details: dict[str, Any]) -> None:
    """One event of `action` per pool and user: built as objects in one statement when there are few (a member
    joining a group with several products), set-based per pool when there are many."""
    users_of = {pool: users for pool, users in users_of.items() if users}
    if sum(map(len, users_of.values())) > FEW:
        for pool, users in users_of.items():
            audit_record_for_users(
                action, actor=by, user_ids=users, details=details, subscription=pool.subscription, product=pool.product
            )
        return
    if not users_of:
        return
    # The fields of User.label, the events' snapshot.
    named = {
        pk: {"email": email, "user_name": user_name}
        for pk, email, user_name in User.objects.filter(
            pk__in={user for users in users_of.values() for user in users}
        ).values_list("pk", "email", "user_name")
    }
    audit_record(
        [
            audit_event_new(
                action,
                actor=by,
                details=details,
                subject_user=User(pk=user_id, **named[user_id]),
                subscription=pool.subscription,
                product=pool.product,
            )
            for pool, users in users_of.items()
            for user_id in users
        ]
    )


def assignments_insert(pool: LicensePool, user_ids: Sequence[int], by: Actor, *, direct: bool) -> None:
    """INSERT ... SELECT from the user table: the assignment rows of many users in one statement per chunk. The
    caller moves the counter."""
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        for chunk in chunks(user_ids):
            chosen, ids = in_ids_sql("id", chunk)
            cursor.execute(
                f"INSERT INTO {qn(LicenseAssignment._meta.db_table)}"
                " (pool_id, user_id, assigned_at, assigned_by_id, direct)"
                f" SELECT %s, id, %s, %s, %s FROM {qn(User._meta.db_table)} WHERE {chosen}",
                [pool.pk, timezone.now(), by.user.pk if by.user is not None else None, direct, *ids],
            )


def line_serve(*, by: Actor, pool: LicensePool) -> list[int]:
    """Give the pool's free licenses to the first members of its line, if its subscription allows assignment;
    returns the ids of the users served. Called by every change that frees a license or makes one assignable."""
    if pool.pending == 0 or pool.available <= 0 or not pool_assignable(pool):
        return []
    first = list(
        PendingLicense.objects.filter(pool=pool).order_by("since", "pk").values_list("pk", "user_id")[: pool.available]
    )
    served = [user_id for _, user_id in first]
    PendingLicense.objects.filter(pk__in=[pk for pk, _ in first]).delete()
    assignments_insert(pool, served, by, direct=False)
    counters_add(pool, assigned=len(served), pending=-len(served))
    _audit(AuditAction.LICENSE_ASSIGNED, by, pool, served, {"from_line": True})
    return served


def group_sources_sync(
    *, by: Actor, pools: Sequence[LicensePool], user_ids: Sequence[int], details: dict[str, Any]
) -> tuple[list[int], list[int]]:
    """Bring the licenses of `pools` (locked) in line with the group sources of `user_ids` after their memberships
    or the groups' licenses changed: a user who lost their last source of a pool loses its license (or their place
    in its line), a user who gained one gets a license if one is free, or else joins the line. The licenses freed
    go to the line first, so newcomers never pass anyone waiting. `details` (naming the group that caused it) go
    into the audit events. A few statements per chunk of users whatever the number of pools, and a few more per
    pool that changed. Returns the ids of the users who lost a license and of those who got one or joined a line."""
    lost: dict[LicensePool, list[int]] = defaultdict(list)
    cancelled: dict[LicensePool, list[int]] = defaultdict(list)
    gained: dict[LicensePool, list[int]] = defaultdict(list)
    by_id = {pool.pk: pool for pool in pools}
    assignable: dict[int, bool] = {}
    for chunk in chunks(sorted(set(user_ids))):
        found = _pool_rows(list(by_id), chunk)
        sourced, held, waiting = found.sourced, found.held, found.waiting
        assignable.update(found.assignable)
        for (pool_id, user_id), direct in held.items():
            if not direct and (pool_id, user_id) not in sourced:
                lost[by_id[pool_id]].append(user_id)
        for pool_id, user_id in waiting - sourced:
            cancelled[by_id[pool_id]].append(user_id)
        for pool_id, user_id in sourced - held.keys() - waiting:
            gained[by_id[pool_id]].append(user_id)
    for pool, users in lost.items():
        for chunk in chunks(users):
            LicenseAssignment.objects.filter(pool=pool, user_id__in=chunk).delete()
    for pool, users in cancelled.items():
        for chunk in chunks(users):
            PendingLicense.objects.filter(pool=pool, user_id__in=chunk).delete()
    counters_add_many({pool: (-len(lost[pool]), -len(cancelled[pool])) for pool in {*lost, *cancelled}})
    _audit_many(AuditAction.LICENSE_UNASSIGNED, by, lost, details)
    _audit_many(AuditAction.LICENSE_PENDING_CANCELLED, by, cancelled, details)
    for pool in lost:
        line_serve(by=by, pool=pool)
    newcomers_admit(
        by=by, newcomers={pool: sorted(users) for pool, users in gained.items()}, assignable=assignable, details=details
    )
    return sorted({user for users in lost.values() for user in users}), sorted(
        {user for users in gained.values() for user in users}
    )


@dataclass
class _PoolRows:
    """What a sync reads of its pools and users under the pools' locks, as (pool id, user id) pairs."""

    sourced: set[tuple[int, int]] = field(default_factory=set)
    held: dict[tuple[int, int], bool] = field(default_factory=dict)  # whether held directly
    waiting: set[tuple[int, int]] = field(default_factory=set)
    assignable: dict[int, bool] = field(default_factory=dict)  # by pool id: its subscription allows assignment


def _pool_rows(pool_ids: list[int], user_ids: Sequence[int]) -> _PoolRows:
    """The group sources (of users whose licenses were not reclaimed), licenses held and places in the lines of
    these users in these pools, and whether each pool's subscription allows assignment, in one round trip.
    Hand-written SQL: this runs for every membership change, and the ORM took longer to build its querysets than
    the database to answer them."""
    qn = connection.ops.quote_name
    pools, users = ", ".join(["%s"] * len(pool_ids)), ", ".join(["%s"] * len(user_ids))
    held, line = qn(LicenseAssignment._meta.db_table), qn(PendingLicense._meta.db_table)
    sources, memberships = qn(GroupLicense._meta.db_table), qn(GroupMembership._meta.db_table)
    pool_table, subscriptions = qn(LicensePool._meta.db_table), qn(Subscription._meta.db_table)
    user_table = qn(User._meta.db_table)
    sql = (
        f"SELECT pool_id, user_id, CASE WHEN direct THEN 'direct' ELSE 'inherited' END FROM {held}"
        f" WHERE pool_id IN ({pools}) AND user_id IN ({users})"
        f" UNION ALL SELECT pool_id, user_id, 'waiting' FROM {line} WHERE pool_id IN ({pools}) AND user_id IN ({users})"
        f" UNION ALL SELECT source.pool_id, membership.user_id, 'sourced' FROM {sources} source"
        f" JOIN {memberships} membership ON membership.group_id = source.group_id"
        f" JOIN {user_table} member ON member.id = membership.user_id AND member.licenses_reclaimed_at IS NULL"
        f" WHERE source.pool_id IN ({pools}) AND membership.user_id IN ({users})"
        f" UNION ALL SELECT pool.id, NULL, subscription.status FROM {pool_table} pool"
        f" JOIN {subscriptions} subscription ON subscription.id = pool.subscription_id WHERE pool.id IN ({pools})"
    )
    found = _PoolRows()
    with connection.cursor() as cursor:
        cursor.execute(sql, [*pool_ids, *user_ids] * 3 + pool_ids)
        for pool_id, user_id, kind in cursor.fetchall():
            if kind == "sourced":
                found.sourced.add((pool_id, user_id))
            elif kind == "waiting":
                found.waiting.add((pool_id, user_id))
            elif user_id is not None:
                found.held[pool_id, user_id] = kind == "direct"
            else:
                found.assignable[pool_id] = kind in ASSIGNABLE_STATUSES
    return found


def newcomers_admit(
    *,
    by: Actor,
    newcomers: Mapping[LicensePool, Sequence[int]],
    assignable: Mapping[int, bool],
    details: dict[str, Any],
) -> None:
    """Give licenses to users who gained a group source of a pool and neither hold nor wait for its license: as
    many as are free (none while others wait or the pool's subscription does not allow assignment: `assignable`,
    by pool id, read under the pools' locks); the rest join the end of the line."""
    newcomers = {pool: users for pool, users in newcomers.items() if users}
    if not newcomers:
        return
    admitted: dict[LicensePool, list[int]] = {}
    waiting: dict[LicensePool, list[int]] = {}
    for pool, users in newcomers.items():
        free = max(pool.available, 0) if pool.pending == 0 and assignable[pool.pk] else 0
        admitted[pool], waiting[pool] = list(users[:free]), list(users[free:])
    if sum(map(len, admitted.values())) <= FEW:
        LicenseAssignment.objects.bulk_create(
            [
                LicenseAssignment(pool=pool, user_id=user_id, assigned_by=by.user, direct=False)
                for pool, users in admitted.items()
                for user_id in users
            ]
        )
    else:
        for pool, users in admitted.items():
            assignments_insert(pool, users, by, direct=False)
    since = timezone.now()
    PendingLicense.objects.bulk_create(
        [
            PendingLicense(pool=pool, user_id=user_id, since=since)
            for pool, users in waiting.items()
            for user_id in users
        ],
        batch_size=2000,
    )
    counters_add_many({pool: (len(admitted[pool]), len(waiting[pool])) for pool in newcomers})
    _audit_many(AuditAction.LICENSE_ASSIGNED, by, admitted, details)
    for reason, allowed in (("not_enough_licenses", True), ("subscription_not_active", False)):
        _audit_many(
            AuditAction.LICENSE_PENDING,
            by,
            {pool: users for pool, users in waiting.items() if assignable[pool.pk] == allowed},
            {**details, "reason": reason},
        )
