"""Exact numbers of users from what the pools already count (README, "API lists and their counts").

A pool's `assigned` is the number of users holding its license and `pending` the number waiting in its line: a user
holds a pool's license once and waits in its line once (unique constraints), and the services keep both counters
in the transaction that changes the rows (licensing/integrity.py checks them). So "the holders of a product in a
subscription" is one counter, read with the pool, and needs no scan of the users. What no counter knows (the users
holding any of several pools, or none; a group's members) is counted from the rows of the pools or of the group,
never by testing every user against them.
"""

from collections.abc import Collection

from django.db.models import Count, Exists, Func, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from accounts.models import GroupMembership, User

from ..models import LicenseAssignment, LicensePool, PendingLicense

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


def users_holding_count(rows: QuerySet[LicenseAssignment]) -> int:
    """How many distinct users hold the license assignments `rows` (those a reader may see of some pools).

    Holding any of several pools is not a sum of their counters (a user may hold several). A `COUNT(DISTINCT)` of the
    rows reads them once; the semi-join that counting the users through `EXISTS` asks for hashes the same rows and
    then probes every user, about twice the time on PostgreSQL at 100,000 users (README, "API lists and their
    counts")."""
    return rows.order_by().aggregate(count=Count("user_id", distinct=True))["count"]


def users_holding_none_count(rows: QuerySet[LicenseAssignment]) -> int:
    """How many users hold none of the license assignments `rows`: every user, less those holding one
    (users_holding_count), in one statement, instead of an anti-join of every user against the rows."""
    # A COUNT that Django does not take for an aggregate, so that the subquery is not grouped by the row; no rows
    # at all (an empty `IN`) subtract 0.
    holding = rows.order_by().values(
        count=Func("user_id", function="COUNT", template="%(function)s(DISTINCT %(expressions)s)")
    )
    holding_count = Coalesce(Subquery(holding, output_field=IntegerField()), 0)
    return User.objects.order_by().aggregate(count=Count("pk") - holding_count)["count"]


def group_members_count(group_id: int, *, when: Exists) -> int:
    """How many users are members of the group, if `when` (a condition on no row) holds, else 0: its rows of the
    membership's unique (group, user) index, where counting the users that are members reads every user."""
    return GroupMembership.objects.filter(when, group_id=group_id).count()
