"""The daily snapshots of every pool (README, "License usage history"), written by `manage.py snapshot_usage`: today's
counters set-based, and the first time a pool is snapshotted, its past rebuilt from the audit log (backfill).

A snapshot records the counters: it changes nothing else, so it writes no audit event of its own (the row, with
`taken_at` and `backfilled`, is the record). Safe on several servers at once: today's rows go in with one
INSERT … SELECT … ON CONFLICT DO NOTHING, and a backfill runs under the pools' locks, re-checked once taken."""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Case, Exists, IntegerField, OuterRef, QuerySet, Sum, Value, When
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, TruncDate
from django.utils import timezone

from accounts.permissions import admin_scope, require_admin
from core.audit import SYSTEM, Actor
from core.choices import AuditAction
from core.models import AuditEvent

from ..models import LicensePool, PoolSnapshot
from .locks import pools_lock_all

BACKFILL_DAYS = 400  # how far back a first run rebuilds a pool's past


@dataclass(frozen=True)
class SnapshotsTaken:
    """What a run wrote: today's rows (`written`, and `already` there from an earlier or concurrent run), and the
    past days rebuilt from the audit log for pools snapshotted for the first time."""

    day: datetime.date
    written: int
    already: int
    backfilled: int


@transaction.atomic
def pool_snapshots_take(*, by: Actor = SYSTEM, today: datetime.date | None = None) -> SnapshotsTaken:
    """Today's snapshot of every pool `by` may see, after backfilling the pools that have none yet."""
    require_admin(by.user)
    today = today or timezone.localdate()
    pools = LicensePool.objects.all()
    if by.user is not None:
        pools = admin_scope(by.user).filter_subscriptions(pools, "subscription_id")
    backfilled = _backfill(pools, today)
    pool_ids = list(pools.values_list("pk", flat=True))
    written = _today_insert(pool_ids, today)
    return SnapshotsTaken(day=today, written=written, already=len(pool_ids) - written, backfilled=backfilled)


def _today_insert(pool_ids: list[int], today: datetime.date) -> int:
    """Today's counters of the pools, one statement; a row another run wrote first stays. Returns the rows written."""
    if not pool_ids:
        return 0
    qn = connection.ops.quote_name
    snapshots, pools = qn(PoolSnapshot._meta.db_table), qn(LicensePool._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {snapshots} (pool_id, day, quantity, assigned, pending, taken_at, backfilled)"
            f" SELECT id, %s, quantity, assigned, pending, %s, %s FROM {pools}"
            f" WHERE id IN ({', '.join(['%s'] * len(pool_ids))})"
            " ON CONFLICT (pool_id, day) DO NOTHING",
            [today, timezone.now(), False, *pool_ids],
        )
        return cursor.rowcount


def _backfill(pools: QuerySet[LicensePool], today: datetime.date) -> int:
    """Rebuild the past of the pools without any snapshot from the audit log; returns the rows written. Under the
    pools' locks no change can commit between the counters and the log read here, and a concurrent run waits and
    then finds them snapshotted."""
    unseen = pools.exclude(Exists(PoolSnapshot.objects.filter(pool=OuterRef("pk"))))
    if not unseen.exists():
        return 0
    locked = pools_lock_all(unseen)
    # Read again under the locks: a concurrent run may have backfilled them while this one waited.
    done = set(PoolSnapshot.objects.filter(pool__in=locked).values_list("pool_id", flat=True))
    locked = {(pool.subscription_id, pool.product_id): pool for pool in locked if pool.pk not in done}
    deltas = _daily_deltas(locked.values())
    rows = [row for key, pool in locked.items() if key in deltas for row in _walk_back(pool, deltas[key], today)]
    PoolSnapshot.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


# What each audited action did to a pool's counters, summed per pool and day (README, "License usage history":
# which events count). A license served from the line is one license_assigned with {"from_line": true}.
def _detail(name: str) -> Cast:
    return Cast(KT(f"details__{name}"), IntegerField())


ASSIGNED_DELTA = Case(
    When(action=AuditAction.LICENSE_ASSIGNED, then=Value(1)),
    When(action__in=[AuditAction.LICENSE_UNASSIGNED, AuditAction.LICENSE_RECLAIMED], then=Value(-1)),
    When(action=AuditAction.POOL_RECONCILED, then=_detail("new_assigned") - _detail("old_assigned")),
    default=Value(0),
)
PENDING_DELTA = Case(
    When(action=AuditAction.LICENSE_PENDING, then=Value(1)),
    When(action=AuditAction.LICENSE_PENDING_CANCELLED, then=Value(-1)),
    When(action=AuditAction.LICENSE_ASSIGNED, details__from_line=True, then=Value(-1)),
    default=Value(0),
)
QUANTITY_DELTA = Case(
    When(action=AuditAction.QUANTITY_CHANGED, then=_detail("new_quantity") - _detail("old_quantity")),
    When(action=AuditAction.POOL_CREATED, then=_detail("quantity")),
    default=Value(0),
)
COUNTED = (
    AuditAction.LICENSE_ASSIGNED,
    AuditAction.LICENSE_UNASSIGNED,
    AuditAction.LICENSE_RECLAIMED,
    AuditAction.POOL_RECONCILED,
    AuditAction.LICENSE_PENDING,
    AuditAction.LICENSE_PENDING_CANCELLED,
    AuditAction.QUANTITY_CHANGED,
    AuditAction.POOL_CREATED,
)

Deltas = dict[datetime.date, tuple[int, int, int]]  # day -> change of (quantity, assigned, pending) that day


def _daily_deltas(pools) -> dict[tuple[int, int], Deltas]:
    """Per (subscription id, product id) of `pools`, the change of each counter on each day with events (the
    site's days), one aggregate query over the log."""
    pairs = {(pool.subscription_id, pool.product_id) for pool in pools}
    rows = (
        AuditEvent.objects.filter(
            action__in=COUNTED,
            subscription_id__in={subscription_id for subscription_id, _ in pairs},
            product_id__in={product_id for _, product_id in pairs},
        )
        .annotate(day=TruncDate("occurred_at", tzinfo=timezone.get_current_timezone()))
        .values("subscription_id", "product_id", "day")
        .annotate(quantity=Sum(QUANTITY_DELTA), assigned=Sum(ASSIGNED_DELTA), pending=Sum(PENDING_DELTA))
        .order_by()
        .values_list("subscription_id", "product_id", "day", "quantity", "assigned", "pending")
    )
    deltas: dict[tuple[int, int], Deltas] = defaultdict(dict)
    for subscription_id, product_id, day, *changes in rows:
        if (subscription_id, product_id) in pairs:
            deltas[subscription_id, product_id][day] = tuple(changes)
    return deltas


def _walk_back(pool: LicensePool, deltas: Deltas, today: datetime.date) -> list[PoolSnapshot]:
    """One row per day from the pool's first event (at most BACKFILL_DAYS ago) to yesterday: each day's closing
    counters are today's less every change made after that day. A count the log cannot explain (events older than
    the log, or changes made outside the application) would go below zero: it stops at zero."""
    first = max(min(deltas), today - datetime.timedelta(days=BACKFILL_DAYS))
    counters = [pool.quantity, pool.assigned, pool.pending]
    rows = []
    day = today
    while day > first:
        counters = [value - change for value, change in zip(counters, deltas.get(day, (0, 0, 0)), strict=True)]
        day -= datetime.timedelta(days=1)
        quantity, assigned, pending = (max(value, 0) for value in counters)
        rows.append(
            PoolSnapshot(pool=pool, day=day, quantity=quantity, assigned=assigned, pending=pending, backfilled=True)
        )
    return rows[::-1]
