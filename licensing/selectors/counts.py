"""Exact numbers of users from what the pools already count (README, "API lists and their counts").

A pool's `assigned` is the number of users holding its license and `pending` the number waiting in its line: a user
holds a pool's license once and waits in its line once (unique constraints), and the services keep both counters
in the transaction that changes the rows (licensing/integrity.py checks them). So "the holders of a product in a
subscription" is one counter, read with the pool, and needs no scan of the users. The users holding any license of a
subscription, or none, are counted from its SubscriptionHolder rows (one per user, kept by the database with the
assignments), a group's members from its memberships: never by testing every user against the rows.
"""

from collections.abc import Collection

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

from accounts.models import GroupMembership, User

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
    subscription for None): their SubscriptionHolder rows, which the database keeps with the assignments. In one
    subscription a user has one such row, counted off a partial index; across several, the distinct users of
    them."""
    holders = _holders(subscription_ids, direct=direct)
    if _one(subscription_ids):
        return holders.count()
    return holders.aggregate(count=Count("user_id", distinct=True))["count"]


def users_holding_none_count(subscription_ids: Collection[int] | None) -> int:
    """How many users hold no license in any of the subscriptions: every user, less those holding one
    (users_holding_count), in one statement."""
    # A COUNT that Django does not take for an aggregate, so that the subquery is not grouped by the row; no
    # subscriptions at all (an empty `IN`) subtract 0.
    counted = "COUNT(*)" if _one(subscription_ids) else "COUNT(DISTINCT user_id)"
    holding = _holders(subscription_ids).order_by().values(count=RawSQL(counted, ()))
    return User.objects.order_by().aggregate(
        count=Count("pk") - Coalesce(Subquery(holding, output_field=IntegerField()), 0)
    )["count"]


def _one(subscription_ids: Collection[int] | None) -> bool:
    """Whether the count is within one subscription, where a user has one holder row."""
    return subscription_ids is not None and len(subscription_ids) == 1


def _holders(subscription_ids: Collection[int] | None, *, direct: bool = False) -> QuerySet[SubscriptionHolder]:
    """The rows of the users holding a license (directly, with `direct`) in the subscriptions; the conditions are
    those of the partial indexes (holder_held_idx, holder_direct_idx)."""
    holders = (
        SubscriptionHolder.objects.filter(direct__gt=0) if direct else SubscriptionHolder.objects.filter(licenses__gt=0)
    )
    return holders if subscription_ids is None else holders.filter(subscription_id__in=list(subscription_ids))


def group_members_count(group_id: int, *, when: Exists) -> int:
    """How many users are members of the group, if `when` (a condition on no row) holds, else 0: its rows of the
    membership's unique (group, user) index, where counting the users that are members reads every user."""
    return GroupMembership.objects.filter(when, group_id=group_id).count()
