"""Exact numbers of users from what the pools already count (README, "API lists and their counts").

A pool's `assigned` is the number of users holding its license and `pending` the number waiting in its line: a user
holds a pool's license once and waits in its line once (unique constraints), and the services keep both counters
in the transaction that changes the rows (licensing/integrity.py checks them). So "the holders of a product in a
subscription" is one counter, read with the pool, and needs no scan of the users. So are the users holding any license
of one subscription (directly, or at all) and every user: counts the database keeps (core.models.RowCount), so that
"unlicensed" is one less the other, and a group's members. Across several subscriptions the holders are counted from
their SubscriptionHolder rows (one per user and subscription, kept by the database with the assignments): never by
testing every user against the rows.
"""

from collections.abc import Collection

from django.db import connection
from django.db.models import Exists, IntegerField, OuterRef, Q, Sum, Value
from django.db.models.expressions import RawSQL

from core.choices import Counted
from core.models import RowCount

from ..models import LicenseAssignment, LicensePool, PendingLicense, SubscriptionHolder

COUNTERS: dict[type[LicenseAssignment] | type[PendingLicense], str] = {
    LicenseAssignment: "assigned",
    PendingLicense: "pending",
}


def users_in_pools_count(model: type[LicenseAssignment] | type[PendingLicense], pools: Collection[LicensePool]) -> int:
    """How many distinct users have a row of `model` (a license held, or a place in a line) in any of `pools`.

    The sum of the pools' counters, less the users it counts more than once: a user may hold the same product in
    two subscriptions. Those are found among the rows of every pool but the largest, each counted when the user
    also has a row in a larger pool; with one pool that has rows there are none, and no query.
    """
    counter = COUNTERS[model]
    ordered = sorted(
        (pool for pool in pools if getattr(pool, counter)), key=lambda pool: (-getattr(pool, counter), pool.pk)
    )
    total = sum(getattr(pool, counter) for pool in ordered)
    if len(ordered) < 2:
        return total
    repeated = Q()
    for index, pool in enumerate(ordered[1:], start=1):
        larger = [earlier.pk for earlier in ordered[:index]]
        repeated |= Q(pool_id=pool.pk) & Exists(model.objects.filter(user_id=OuterRef("user_id"), pool_id__in=larger))
    return total - model.objects.filter(repeated).count()


def users_holding_count(subscription_ids: Collection[int] | None, *, direct: bool = False) -> int:
    """How many users hold a license (one assigned directly, with `direct`) in any of the subscriptions (every
    subscription for None): kept by the database for one subscription, else counted off their SubscriptionHolder
    rows (_holding_count)."""
    if subscription_ids is not None and not subscription_ids:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(*_holding_count(subscription_ids, direct=direct))
        return cursor.fetchone()[0]


def users_holding_none_count(subscription_ids: Collection[int] | None) -> int:
    """How many users hold no license in any of the subscriptions: every user (the count the database keeps),
    less those holding one, in one statement."""
    holding = Value(0)
    if subscription_ids is None or subscription_ids:
        holding = RawSQL(*_holding_count(subscription_ids), output_field=IntegerField())  # compiled in parentheses
    users = RowCount.objects.filter(counted=Counted.USERS, subject_id=0)
    return users.aggregate(count=Sum("rows", default=0) - holding)["count"]


def _holding_count(subscription_ids: Collection[int] | None, *, direct: bool = False) -> tuple[str, tuple]:
    """The statement counting the users with a holder row (a direct one, with `direct`) in the subscriptions, and
    its parameters. In one subscription, the count the database keeps of them (RowCount: licensing migration 0015).
    Across every subscription, the held rows walked in user order off holder_user_held_idx and counted once per
    user: COUNT(DISTINCT) would sort all of them first. Across some, that COUNT(DISTINCT) off a partial index."""
    if subscription_ids is not None and len(subscription_ids) == 1:
        [subscription_id] = subscription_ids
        slots = RowCount.objects.filter(
            counted=Counted.DIRECT_HOLDERS if direct else Counted.HOLDERS, subject_id=subscription_id
        )
        rows, params = slots.order_by().values("rows").query.sql_with_params()
        return f"SELECT CAST(COALESCE(SUM(rows), 0) AS bigint) FROM ({rows}) kept", params  # SUM is numeric
    holders = (
        SubscriptionHolder.objects.filter(held_directly=True)
        if direct
        else SubscriptionHolder.objects.filter(held=True)
    )
    if subscription_ids is None and not direct:
        rows, params = holders.order_by().values("user_id").distinct().query.sql_with_params()
        return f"SELECT COUNT(*) FROM ({rows}) held", params
    if subscription_ids is not None:
        holders = holders.filter(subscription_id__in=list(subscription_ids))
    # A COUNT that Django does not take for an aggregate, so that the statement is not grouped by the row.
    return holders.order_by().values(count=RawSQL("COUNT(DISTINCT user_id)", ())).query.sql_with_params()


def group_members_count(group_id: int, *, when: Exists) -> int:
    """How many users are members of the group, if `when` (a condition on no row) holds, else 0: the count the
    database keeps of its memberships, where counting the users that are members reads every user."""
    kept = RowCount.objects.filter(when, counted=Counted.GROUP_MEMBERS, subject_id=group_id)
    return kept.aggregate(members=Sum("rows", default=0))["members"]
