"""Subscriptions and their pools as an admin may see them, and how much of each pool is used."""

from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet

from accounts.models import User
from accounts.permissions import admin_scope, require_subscription_visible
from core.errors import NotFound, ProductNotInSubscription
from core.rows import SharedRelated, own_columns, rows_built
from core.sql import statement_once

from ..models import LicensePool, Product, Subscription
from .plans import plans_off_by_pool
from .sources import groups_holding_pool


def _pools_by_product() -> QuerySet[LicensePool]:
    """Pools with their products, in the order every page lists them."""
    return LicensePool.objects.select_related("product").order_by("product__name")


def subscriptions_visible(*, actor: User | None, with_groups: bool = False) -> QuerySet[Subscription]:
    """The subscriptions `actor` may see, each with its pools and their products (`subscription.pools.all()`, read
    with the subscription: what a page shows); `with_groups` gives each pool `holding_groups` too (the groups that
    hold it: selectors.sources.groups_holding_pool), in the same query."""
    pools = _pools_by_product()
    if with_groups:
        pools = pools.annotate(holding_groups=groups_holding_pool())
    queryset = Subscription.objects.prefetch_related(Prefetch("pools", queryset=pools))
    if actor is None:
        return queryset
    return admin_scope(actor).filter_subscriptions(queryset)


def subscription_get(
    *, actor: User | None, subscription_id: int, with_groups: bool = False, with_pools: bool = True
) -> Subscription:
    """One subscription, or NotFound when it does not exist or lies outside the actor's scope, with its pools as
    subscriptions_visible gives them (`subscription.pools.all()`; `with_groups`: with `holding_groups`). Without
    `with_pools` its pools are not read: a change locks and reads them itself.

    The pools are read with their subscription in one statement (a prefetch is two, and building them cost a page
    more than running them); only a subscription without pools is read on its own."""
    require_subscription_visible(actor, subscription_id)
    if not with_pools:
        subscription = Subscription.objects.filter(pk=subscription_id).first()
    else:
        rows = _subscription_pools(subscription_id, with_groups=with_groups)
        subscription = rows[0].subscription if rows else Subscription.objects.filter(pk=subscription_id).first()
        if subscription is not None:
            _set_prefetched_pools(subscription, rows)
    if subscription is None:
        raise NotFound("Subscription not found.")
    return subscription


def _subscription_pools(subscription_id: int, *, with_groups: bool) -> list[LicensePool]:
    """The subscription's pools by product name, each with its product and subscription (one object, shared) and,
    `with_groups`, `holding_groups`: one statement compiled once (core.sql.statement_once), as every page of a
    subscription reads it."""
    related = SharedRelated(LicensePool, ["product", "subscription"])
    own = own_columns(LicensePool)
    annotations = ["holding_groups"] if with_groups else []

    def statement(subscription_id: list[int]) -> QuerySet:
        pools = _pools_by_product().filter(subscription_id=subscription_id[0])
        if with_groups:
            pools = pools.annotate(holding_groups=groups_holding_pool())
        return pools.values_list(*own, *annotations, *related.columns)

    rows = statement_once(
        LicensePool, ("subscription pools", with_groups), statement, subscription_id=[subscription_id]
    )
    return rows_built(LicensePool, rows, annotations, related)


def _set_prefetched_pools(subscription: Subscription, pools: list[LicensePool]) -> None:
    """Leave `pools` on `subscription` as prefetch_related("pools") would: `subscription.pools.all()` gives them
    without a query, and each pool's `subscription` is this one."""
    for pool in pools:
        pool.subscription = subscription
    prefetched = subscription.pools.get_queryset()
    prefetched._result_cache = pools
    prefetched._prefetch_done = True
    subscription._prefetched_objects_cache = {"pools": prefetched}


def subscription_resolve(*, actor: User | None, identifier: str) -> Subscription:
    """A subscription named by its name (case-insensitively) or its id, within the actor's scope; else NotFound."""
    identifier = str(identifier).strip()
    query = Q(name__iexact=identifier)
    if identifier.isdigit():
        query |= Q(pk=int(identifier))
    # A subscription whose name is the identifier wins over one whose id it is.
    matches = sorted(Subscription.objects.filter(query), key=lambda found: found.name.lower() != identifier.lower())
    if not matches:
        raise NotFound(f"Unknown subscription: {identifier}.", subscription=identifier)
    require_subscription_visible(actor, matches[0].pk)
    return matches[0]


def pools_of_subscription(*, subscription: Subscription) -> QuerySet[LicensePool]:
    """The subscription's pools read again, as they are now: after a change, or where availability must be current
    (with their subscription, as it is now too)."""
    return _pools_by_product().select_related("subscription").filter(subscription=subscription)


def pool_of_subscription(*, subscription: Subscription, pool_id: int) -> LicensePool:
    """One pool of the subscription, as it is now, or NotFound."""
    pool = pools_of_subscription(subscription=subscription).filter(pk=pool_id).first()
    if pool is None:
        raise NotFound("This subscription has no such product.")
    return pool


def pools_visible(*, actor: User | None) -> QuerySet[LicensePool]:
    """The license pools of the subscriptions `actor` may see, with their product and subscription."""
    queryset = LicensePool.objects.select_related("product", "subscription").order_by(
        "subscription__name", "product__name"
    )
    if actor is None:
        return queryset
    return admin_scope(actor).filter_subscriptions(queryset, "subscription_id")


def pool_get(*, subscription: Subscription, product: Product) -> LicensePool:
    """The pool of `product` in `subscription`, or ProductNotInSubscription."""
    pool = LicensePool.objects.select_related("product", "subscription").filter(
        subscription=subscription, product=product
    )
    found = pool.first()
    if found is None:
        raise ProductNotInSubscription(subscription=subscription.name, skus=[product.sku_part_number])
    return found


USAGE_WARNING_PERCENT = 90


@dataclass(frozen=True)
class PoolUsage:
    """How much of one pool is used: `level` is "ok", "warning" (90 % or more) or "full" (none available);
    `waiting` is how many group members wait in its line (the pool's `pending`); `plans_off` how many of its
    licenses have each plan switched off, by plan name."""

    subscription: str
    status: str
    sku: str
    product: str
    quantity: int
    assigned: int
    waiting: int
    plans_off: dict[str, int] = field(default_factory=dict)

    @property
    def available(self) -> int:
        return self.quantity - self.assigned

    @property
    def utilisation(self) -> float | None:
        """Percent of the purchased licenses that are assigned; None for a pool of no licenses."""
        return round(100 * self.assigned / self.quantity, 1) if self.quantity else None

    @property
    def level(self) -> str:
        if self.available <= 0:
            return "full"
        if self.utilisation >= USAGE_WARNING_PERCENT:
            return "warning"
        return "ok"


def license_usage(*, actor: User | None) -> list[PoolUsage]:
    """Quantity, assigned, available and waiting of every pool the actor may see, by subscription and product."""
    pools = LicensePool.objects.select_related("subscription", "product").order_by(
        "subscription__name", "product__sku_part_number"
    )
    if actor is not None:
        pools = admin_scope(actor).filter_subscriptions(pools, "subscription_id")
    pools = list(pools)
    plans_off = plans_off_by_pool([pool.pk for pool in pools])
    return [
        PoolUsage(
            subscription=pool.subscription.name,
            status=pool.subscription.status,
            sku=pool.product.sku_part_number,
            product=pool.product.name,
            quantity=pool.quantity,
            assigned=pool.assigned,
            waiting=pool.pending,
            plans_off=plans_off.get(pool.pk, {}),
        )
        for pool in pools
    ]
