"""Exact numbers of users from what the pools already count (README, "API lists and their counts").

A pool's `assigned` is the number of users holding its license and `pending` the number waiting in its line: a user
holds a pool's license once and waits in its line once (unique constraints), and the services keep both counters
in the transaction that changes the rows (licensing/integrity.py checks them). So "the holders of a product in a
subscription" is one counter, read with the pool, and needs no scan of the users.
"""

from collections.abc import Collection

from django.db.models import Exists, OuterRef, Q

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
