"""The locks of the rows licensing owns, continuing the one lock order of accounts/services/locks.py: users,
Global Administrator role rows, API tokens and groups are locked there; then subscriptions, then pools, each in
primary-key order (docs/architecture.md, "The lock order").

Every licensing service takes its locks through these functions, so two changes always queue in the same order and
cannot deadlock. A user's licenses change only while their row is locked, so a desired set (or an expected version)
is checked against exactly what they hold.
"""

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Exists, JSONField, OuterRef, QuerySet, Subquery

from accounts.models import User
from accounts.services.locks import users_lock
from core.rows import SharedRelated, own_columns, rows_built
from core.sql import statement_once

from ..models import GroupLicense, LicenseAssignment, LicensePool, Subscription
from ..selectors.plans import plans_from_row, plans_of_product_row


def subscription_lock(subscription_id: int) -> Subscription:
    # NO KEY UPDATE: a change under a pool's lock writes audit events that point at the subscription (KEY SHARE),
    # and a status change that then locks the pools must not wait for them while they wait for it.
    return Subscription.objects.select_for_update(no_key=True).get(pk=subscription_id)


def pools_lock(
    subscription: Subscription, product_ids: Iterable[int], *, held_by: User | None = None
) -> list[LicensePool]:
    """Lock the pools of these products in this subscription; returns them with their products and subscription
    (and `held_by`'s license of each: with_holding)."""
    return pools_lock_all(
        LicensePool.objects.filter(subscription=subscription, product_id__in=set(product_ids)), held_by=held_by
    )


def pool_lock(pool_id: int) -> LicensePool:
    """Lock one pool, with its product and subscription."""
    return LicensePool.objects.select_for_update(of=("self",)).select_related("product", "subscription").get(pk=pool_id)


def pools_lock_all(pools: QuerySet[LicensePool], *, held_by: User | None = None) -> list[LicensePool]:
    """Lock every pool of a queryset, with its product and subscription (and `held_by`'s license of each:
    with_holding)."""
    locked = pools.select_for_update(of=("self",)).select_related("product", "subscription").order_by("pk")
    if held_by is None:
        return list(locked)
    # A user's licenses of a pool also change under the pool's lock alone (a group's license given or taken), so
    # they are read in a statement of their own once the locks are held: read in the locking statement, they would
    # be those of before it waited for the locks (its snapshot is taken first), while the pool row is the latest.
    ids = list(locked.values_list("pk", flat=True))
    return pools_holding(ids, held_by)


# The pools read with a user's holding of each: their own columns, then with_holding's and their product's plans,
# then the columns of their product and subscription.
_POOL_RELATED = ("product", "subscription")
_HOLDING = ("held_id", "held_direct", "held_plans", "from_group", "product_plans")


def pools_holding(pool_ids: list[int], user: User) -> list[LicensePool]:
    """The pools of `pool_ids`, in that order (primary-key order: they come from a lock), each with its product
    (and the product's plans as `product.plans_read`, for plans named in the change: plans_known) and subscription
    and `user`'s license of it (with_holding): the statement every license change reads its pools with, compiled
    once (core.sql.statement_once)."""
    related = SharedRelated(LicensePool, _POOL_RELATED)
    own = own_columns(LicensePool)

    def statement(pool_ids: list[int], user_id: list[int]) -> QuerySet:
        return (
            with_holding(LicensePool.objects.filter(pk__any_of=pool_ids), User(pk=user_id[0]))
            .annotate(product_plans=plans_of_product_row())
            .order_by("pk")
            .values_list(*own, *_HOLDING, *related.columns)
        )

    rows = statement_once(LicensePool, "pools holding", statement, pool_ids=pool_ids, user_id=[user.pk])
    pools = rows_built(LicensePool, rows, _HOLDING, related)
    for pool in pools:
        pool.product.plans_read = plans_from_row(pool.product_plans)
    return pools


def plans_known(pools: Iterable[LicensePool]) -> dict[int, list]:
    """The plans of the products of `pools` (read by pools_holding), by product id."""
    return {pool.product_id: pool.product.plans_read for pool in pools}


def with_holding(pools: QuerySet[LicensePool], user: User) -> QuerySet[LicensePool]:
    """Each pool with `user`'s license of it, read in the same statement as the pool (after its lock is held):
    `held_id` (None when they hold none), `held_direct` and `held_plans` (its disabled_plans), and
    `from_group`: whether a group of theirs has the pool's license (so they hold it or wait for it from there)."""
    held = LicenseAssignment.objects.filter(pool=OuterRef("pk"), user=user)
    return pools.annotate(
        held_id=Subquery(held.values("pk")[:1]),
        held_direct=Subquery(held.values("direct")[:1]),
        held_plans=Subquery(held.values("disabled_plans")[:1], output_field=JSONField()),
        from_group=Exists(GroupLicense.objects.filter(pool=OuterRef("pk"), group__memberships__user=user)),
    )


def user_licenses_lock(*, user: User) -> None:
    """Hold one user's licenses still until the caller's transaction ends."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("user_licenses_lock must be called inside transaction.atomic.")
    users_lock([user.pk])
