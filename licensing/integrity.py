"""What must always hold of the licensing data, whoever wrote it. `reconcile_licenses` repairs what the first
check finds; the load test (`make stress`, tests/reliability/test_load.py) runs both after its run.

- The counters: every pool's `assigned` is within 0..quantity and equal to its assignment rows, its `pending`
  equal to the rows of its line.
- The holders: every user's row of SubscriptionHolder adds up their assignment rows in that subscription.
- The sources: every license has at least one source (direct, or a group that holds its pool); every member of a
  group that holds a pool holds its license or waits for it, never both; no pool whose subscription allows
  assignment has a free license while members wait. A disabled account whose licenses were reclaimed has no group
  source: it neither holds nor waits for a license only a group would give it.
- The counts the database keeps (core.models.RowCount): the users', the audit events', each group's members' and
  each subscription's holders' (directly or at all) add up to the rows there are.
- The audit log replays to the present: per user and pool, license_assigned and license_unassigned (or
  license_reclaimed) alternate,
  from nothing to exactly the assignment rows there are now; per pool, the quantity changes chain from a known
  quantity to the present one.

Each check reads a set of pools (all by default) and returns its problems as sentences, an empty list when all
holds. Run them on a quiet database, or the changes made between their reads show up as problems.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import Count, Exists, F, OuterRef, Q, Sum

from accounts.models import Group, GroupMembership, User
from core.choices import AuditAction, Counted
from core.models import AuditEvent, RowCount

from .choices import ASSIGNABLE_STATUSES
from .models import GroupLicense, LicenseAssignment, LicensePool, PendingLicense, SubscriptionHolder

REPLAYED_ACTIONS = (
    AuditAction.LICENSE_ASSIGNED,
    AuditAction.LICENSE_UNASSIGNED,
    AuditAction.LICENSE_RECLAIMED,  # an unassignment by the reclaim job
    AuditAction.POOL_CREATED,
    AuditAction.QUANTITY_CHANGED,
)


@dataclass(frozen=True)
class PoolDrift:
    """A pool whose `assigned` counter disagrees with its assignment rows."""

    pool: LicensePool
    recorded: int
    actual: int


@dataclass(frozen=True)
class Baseline:
    """A point of the audit log to replay the quantities from: the highest event id before it, and the quantity
    each pool had then. Without one, a pool's chain starts at its pool_created event, or at its first change
    for a pool created without one."""

    audit_floor: int
    quantities: dict[int, int]


def pool_drifts(pools: Sequence[LicensePool]) -> list[PoolDrift]:
    """The pools, as the caller loaded (and perhaps locked) them, whose counter is not their number of rows."""
    rows = _rows_per_pool(LicenseAssignment, pools)
    return [
        PoolDrift(pool=pool, recorded=pool.assigned, actual=rows.get(pool.pk, 0))
        for pool in pools
        if pool.assigned != rows.get(pool.pk, 0)
    ]


def counter_problems(pool_ids: Iterable[int] | None = None) -> list[str]:
    """Every pool's `assigned` within 0..quantity and equal to its assignment rows."""
    pools = list(_pools(pool_ids))
    drifts = {drift.pool.pk: drift for drift in pool_drifts(pools)}
    problems = []
    for pool in pools:
        if not 0 <= pool.assigned <= pool.quantity:
            problems.append(f"pool {pool.pk}: {pool.assigned} assigned of {pool.quantity}")
        if pool.pk in drifts:
            problems.append(f"pool {pool.pk}: counter {pool.assigned}, {drifts[pool.pk].actual} assignment rows")
    waiting = _rows_per_pool(PendingLicense, pools)
    problems += [
        f"pool {pool.pk}: pending counter {pool.pending}, {waiting.get(pool.pk, 0)} waiting"
        for pool in pools
        if pool.pending != waiting.get(pool.pk, 0)
    ]
    return problems


def holder_problems(pool_ids: Iterable[int] | None = None) -> list[str]:
    """Every SubscriptionHolder row, in the subscriptions of the pools, equal to the user's assignment rows there."""
    subscriptions = _pools(pool_ids).values("subscription_id")
    rows = {
        (subscription_id, user_id): (licenses, direct)
        for subscription_id, user_id, licenses, direct in LicenseAssignment.objects.filter(
            pool__subscription_id__in=subscriptions
        )
        .values("pool__subscription_id", "user_id")
        .annotate(licenses=Count("pk"), direct=Count("pk", filter=Q(direct=True)))
        .values_list("pool__subscription_id", "user_id", "licenses", "direct")
        .iterator()
    }
    kept = {
        (subscription_id, user_id): (licenses, direct)
        for subscription_id, user_id, licenses, direct in SubscriptionHolder.objects.filter(
            subscription_id__in=subscriptions
        )
        .exclude(licenses=0)
        .values_list("subscription_id", "user_id", "licenses", "direct")
        .iterator()
    }
    return [
        f"subscription {subscription_id}, user {user_id}: holder row {kept.get(key, (0, 0))}, "
        f"assignment rows {rows.get(key, (0, 0))} (licenses, direct)"
        for key in sorted(rows.keys() | kept.keys())
        if rows.get(key) != kept.get(key)
        for subscription_id, user_id in [key]
    ]


def source_problems(pool_ids: Iterable[int] | None = None) -> list[str]:
    """Every license has a source, every group source a license or a place in the line (not both), and no
    assignable pool has a free license while members wait."""
    pools = _pools(pool_ids)
    from_group = Exists(
        GroupMembership.objects.filter(
            user_id=OuterRef("user_id"), group__licenses__pool_id=OuterRef("pool_id"), user__licenses_reclaimed_at=None
        )
    )
    problems = [
        f"pool {pool_id}, user {user_id}: a license without a source"
        for pool_id, user_id in LicenseAssignment.objects.filter(pool__in=pools, direct=False)
        .exclude(from_group)
        .values_list("pool_id", "user_id")
    ]
    problems += [
        f"pool {pool_id}, user {user_id}: waits without a group source"
        for pool_id, user_id in PendingLicense.objects.filter(pool__in=pools)
        .exclude(from_group)
        .values_list("pool_id", "user_id")
    ]
    for group_id, pool_id in GroupLicense.objects.filter(pool__in=pools).values_list("group_id", "pool_id"):
        unserved = (
            GroupMembership.objects.filter(group_id=group_id, user__licenses_reclaimed_at=None)
            .exclude(Exists(LicenseAssignment.objects.filter(user_id=OuterRef("user_id"), pool_id=pool_id)))
            .exclude(Exists(PendingLicense.objects.filter(user_id=OuterRef("user_id"), pool_id=pool_id)))
        )
        problems += [
            f"pool {pool_id}, user {user_id}: a member of group {group_id} who neither holds nor waits for the license"
            for user_id in unserved.values_list("user_id", flat=True)
        ]
    problems += [
        f"pool {pool_id}, user {user_id}: holds the license and waits for it"
        for pool_id, user_id in PendingLicense.objects.filter(pool__in=pools)
        .filter(Exists(LicenseAssignment.objects.filter(user_id=OuterRef("user_id"), pool_id=OuterRef("pool_id"))))
        .values_list("pool_id", "user_id")
    ]
    problems += [
        f"pool {pool.pk}: {pool.available} free while {pool.pending} wait"
        for pool in pools.filter(
            subscription__status__in=ASSIGNABLE_STATUSES, pending__gt=0, assigned__lt=F("quantity")
        )
    ]
    return problems


def audit_replay_problems(pool_ids: Iterable[int] | None = None, *, since: Baseline | None = None) -> list[str]:
    """The audit log replayed, event by event, ends at the assignment rows and quantities there are now."""
    pools = {(pool.subscription_id, pool.product_id): pool for pool in _pools(pool_ids)}
    events = AuditEvent.objects.filter(action__in=REPLAYED_ACTIONS).order_by("pk")
    if pool_ids is not None:
        events = events.filter(subscription_id__in={subscription_id for subscription_id, _ in pools})
    problems = []
    held: set[tuple[int, int]] = set()
    quantity = dict(since.quantities) if since is not None else {}  # pool id -> the quantity the log arrived at
    for event_id, action, subscription_id, product_id, user_id, details in events.values_list(
        "pk", "action", "subscription_id", "product_id", "subject_user_id", "details"
    ).iterator():
        pool = pools.get((subscription_id, product_id))
        if pool is None:
            continue
        if action in (AuditAction.POOL_CREATED, AuditAction.QUANTITY_CHANGED):
            if since is not None and event_id <= since.audit_floor:
                continue  # before the baseline, whose quantities say where the chain starts
            if action == AuditAction.POOL_CREATED:
                quantity[pool.pk] = details["quantity"]
                continue
            if pool.pk in quantity and details["old_quantity"] != quantity[pool.pk]:
                problems.append(
                    f"pool {pool.pk}: a quantity change from {details['old_quantity']} follows one to "
                    f"{quantity[pool.pk]}"
                )
            quantity[pool.pk] = details["new_quantity"]
        elif user_id is None:
            continue  # the user was deleted since, holding nothing: their events cannot be told from another's
        elif (action == AuditAction.LICENSE_ASSIGNED) == ((pool.pk, user_id) in held):
            problems.append(f"pool {pool.pk}, user {user_id}: {action} twice in a row")
        else:
            held.symmetric_difference_update({(pool.pk, user_id)})

    assignments = LicenseAssignment.objects.all()
    if pool_ids is not None:
        assignments = assignments.filter(pool__in=[pool.pk for pool in pools.values()])
    rows = set(assignments.values_list("pool_id", "user_id").iterator())
    if held != rows:
        problems.append(
            f"the audit log replays to {len(held)} assignments, there are {len(rows)} rows "
            f"({len(held - rows)} only in the log, {len(rows - held)} only in the table)"
        )
    for pool in sorted(pools.values(), key=lambda pool: pool.pk):
        if pool.pk in quantity and quantity[pool.pk] != pool.quantity:
            problems.append(
                f"pool {pool.pk}: the quantity changes replay to {quantity[pool.pk]}, it holds {pool.quantity}"
            )
    return problems


def row_count_problems() -> list[str]:
    """The counts the lists show of every user, every audit event, each group's members and each subscription's
    holders (RowCount) against the rows counted (an aggregate, where count() would read RowCount)."""
    actual = {
        (Counted.USERS, 0): User.objects.order_by().aggregate(rows=Count("pk"))["rows"],
        (Counted.AUDIT_EVENTS, 0): AuditEvent.objects.order_by().aggregate(rows=Count("pk"))["rows"],
    }
    members = Group.objects.order_by().annotate(rows=Count("memberships")).values_list("pk", "rows")
    actual.update({(Counted.GROUP_MEMBERS, group_id): rows for group_id, rows in members})
    for counted, held in ((Counted.HOLDERS, Q(held=True)), (Counted.DIRECT_HOLDERS, Q(held_directly=True))):
        holders = (
            SubscriptionHolder.objects.filter(held).order_by().values("subscription_id").annotate(rows=Count("pk"))
        )
        actual.update({(counted, row["subscription_id"]): row["rows"] for row in holders})
    kept = dict.fromkeys(actual, 0)
    slots = RowCount.objects.order_by().values("counted", "subject_id").annotate(total=Sum("rows"))
    for counted, subject_id, total in slots.values_list("counted", "subject_id", "total"):
        kept[(counted, subject_id)] = total
    problems = []
    for (counted, subject_id), rows in sorted(kept.items()):
        there_are = actual.get((counted, subject_id), 0)
        if rows != there_are:
            whose = "group" if counted == Counted.GROUP_MEMBERS else "subscription"
            of = f" of {whose} {subject_id}" if subject_id else ""
            problems.append(f"{Counted(counted).label}{of}: counted {rows}, there are {there_are}")
    return problems


def integrity_problems(pool_ids: Iterable[int] | None = None, *, since: Baseline | None = None) -> list[str]:
    """Every check of this module."""
    pool_ids = list(pool_ids) if pool_ids is not None else None
    return (
        counter_problems(pool_ids)
        + holder_problems(pool_ids)
        + row_count_problems()
        + source_problems(pool_ids)
        + audit_replay_problems(pool_ids, since=since)
    )


def _rows_per_pool(model: type[LicenseAssignment] | type[PendingLicense], pools: Sequence[LicensePool]) -> dict:
    """How many rows of `model` (assignments, or places in the line) each of `pools` has, by pool id."""
    return dict(
        model.objects.filter(pool__in=[pool.pk for pool in pools])
        .order_by()
        .values("pool_id")
        .annotate(rows=Count("pk"))
        .values_list("pool_id", "rows")
    )


def _pools(pool_ids: Iterable[int] | None):
    pools = LicensePool.objects.order_by("pk")
    return pools if pool_ids is None else pools.filter(pk__in=list(pool_ids))
