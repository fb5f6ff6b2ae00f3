"""Licenses named by product alone (Graph's assignLicense): which pool a product draws from when several
subscriptions hold it, and one all-or-nothing change across those subscriptions (README, "Microsoft Graph
compatibility").

The pool-choice rule: among the pools of the product in the subscriptions the admin may manage that allow
assignment and have a free license (none free while members wait in its line), the one whose subscription is
active (before one in its grace period), then the one ending first (an open-ended one last), then the lowest id.
"""

import datetime
import uuid
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence

from django.db import transaction
from django.db.models import QuerySet

from accounts.models import Group, User
from accounts.permissions import admin_scope, require_admin, require_license_management
from accounts.selectors import user_key_unknown, users_of_key
from accounts.services.locks import group_lock, groups_write_lock, user_locked_of
from core.audit import Actor
from core.errors import NotEnoughLicenses

from ..choices import ASSIGNABLE_STATUSES, SubscriptionStatus
from ..models import GroupLicense, LicensePool, Product, Subscription
from ..selectors.products import products_resolve
from .assignments import LicenseChange, licenses_apply, plans_wanted, product_ids_apart
from .group_licenses import group_licenses_change
from .locks import plans_known, pools_lock_all

DisabledPlans = Mapping[Product, Collection[str]] | None


def pool_choice_key(pool: LicensePool) -> tuple:
    """The order of the pool-choice rule (its subscription loaded): active first, then ending first, then id."""
    subscription = pool.subscription
    return (
        subscription.status != SubscriptionStatus.ACTIVE,
        subscription.ends_on or datetime.date.max,
        subscription.pk,
    )


def pool_choose(pools: Iterable[LicensePool]) -> LicensePool | None:
    """The pool the rule picks among `pools` (locked, of one product), or None when none has a free license."""
    free = [
        pool
        for pool in pools
        if pool.subscription.status in ASSIGNABLE_STATUSES and pool.available > 0 and pool.pending == 0
    ]
    return min(free, key=pool_choice_key, default=None)


def _pools_locked(
    by: Actor, pools: QuerySet[LicensePool], *, held_by: User | None = None
) -> dict[int, list[LicensePool]]:
    """Lock `pools` in the subscriptions `by` may manage, in primary-key order; by product id (with `held_by`'s
    license of each: locks.with_holding)."""
    if by.user is not None:
        pools = admin_scope(by.user).filter_subscriptions(pools, "subscription_id")
    by_product: dict[int, list[LicensePool]] = defaultdict(list)
    for pool in pools_lock_all(pools, held_by=held_by):
        by_product[pool.product_id].append(pool)
    return by_product


def _by_subscription(
    *,
    add: Mapping[LicensePool, Product],
    remove: Mapping[LicensePool, Product],
    disabled_plans: DisabledPlans,
    change: Callable[..., LicenseChange],
) -> LicenseChange:
    """Make the change one subscription at a time, in id order, through `change` (a service taking subscription,
    add, remove and disabled_plans), inside the caller's transaction: one refusal undoes them all."""
    products: dict[Subscription, tuple[list[Product], list[Product]]] = {}
    for pools, index in ((add, 0), (remove, 1)):
        for pool, product in pools.items():
            products.setdefault(pool.subscription, ([], []))[index].append(product)
    done = LicenseChange()
    for subscription, (added, removed) in sorted(products.items(), key=lambda item: item[0].pk):
        plans = {product: disabled_plans[product] for product in added if product in (disabled_plans or {})}
        made = change(subscription=subscription, add=added, remove=removed, disabled_plans=plans or None)
        done.added += made.added
        done.removed += made.removed
        done.plans_changed += made.plans_changed
    return done


@transaction.atomic
def user_skus_change(
    *,
    by: Actor,
    key: str,
    add: Sequence[uuid.UUID] = (),
    remove: Sequence[uuid.UUID] = (),
    disabled_plans: Mapping[uuid.UUID, Collection[str]] | None = None,
) -> LicenseChange:
    """Add and remove one user's licenses named by product alone, all or nothing across subscriptions, as Graph's
    `users/{key}/assignLicense` names them: the user by `key` (accounts.selectors.users_of_key), locked and read in
    one statement, the products by sku id, found by the statement that locks their pools, so nothing is read twice
    (NotFound for an unknown user or product; the change's `user` is the user as read under the lock).

    A product the user holds (directly or from a group) stays in its pool, and only its direct source's plans
    change; a new one draws from the pool the rule picks (NotEnoughLicenses, with its `sku_id`, when none has a
    free license). Removal takes the direct license from every pool of the product where the user holds one;
    a license they have only from groups is refused (LicenseInherited), one they don't hold is no change.
    """
    require_admin(by.user)
    user = user_locked_of(users_of_key(actor=by.user, key=key))
    if user is None:
        raise user_key_unknown(key)
    pools = _pools_locked(by, LicensePool.objects.filter(product__sku_id__in=[*add, *remove]), held_by=user)
    products = {pool.product.sku_id: pool.product for product_pools in pools.values() for pool in product_pools}
    unheld = {sku_id for sku_id in [*add, *remove] if sku_id not in products}
    if unheld:  # products in no pool the admin manages, if they exist at all (NotFound otherwise)
        products |= {product.sku_id: product for product in products_resolve(identifiers=[str(s) for s in unheld])}
    added, removed = [products[sku_id] for sku_id in add], [products[sku_id] for sku_id in remove]
    plans = {products[sku_id]: names for sku_id, names in (disabled_plans or {}).items()}
    known = plans_known(pool for product_pools in pools.values() for pool in product_pools)
    wanted = plans_wanted(plans, product_ids_apart(added, removed)[1], known=known)
    return _skus_apply(by, user, pools, add=added, remove=removed, wanted=wanted)


def _skus_apply(
    by: Actor,
    user: User,
    pools: Mapping[int, list[LicensePool]],
    *,
    add: list[Product],
    remove: list[Product],
    wanted: Mapping[int, list[str]],
) -> LicenseChange:
    """The change of user_skus_change once `user` and the pools of every product named (by product id) are
    locked: the pool-choice rule, then licenses_apply per subscription, in id order, on those pools."""
    add_ids, remove_ids = {product.pk for product in add}, {product.pk for product in remove}
    chosen: list[LicensePool] = []
    for product in add:
        holding = [pool for pool in pools[product.pk] if pool.held_id is not None]
        pool = min(holding, key=pool_choice_key) if holding else pool_choose(pools[product.pk])
        if pool is None:
            raise _no_licenses(product, pools[product.pk])
        chosen.append(pool)
    chosen += [pool for product in remove for pool in pools[product.pk] if pool.held_id is not None]
    # One subscription at a time, in id order, on the pools locked above: one refusal undoes them all.
    done = LicenseChange(user=user)
    for subscription_id in sorted({pool.subscription_id for pool in chosen}):
        in_subscription = [pool for pool in chosen if pool.subscription_id == subscription_id]
        require_license_management(by.user, subscription_id)
        products = {pool.product_id for pool in in_subscription}
        made = licenses_apply(
            by=by,
            user=user,
            subscription=in_subscription[0].subscription,
            pools=in_subscription,
            add_ids=add_ids & products,
            remove_ids=remove_ids & products,
            wanted={product_id: plans for product_id, plans in wanted.items() if product_id in products},
        )
        done.added += made.added
        done.removed += made.removed
        done.plans_changed += made.plans_changed
    return done


def _no_licenses(product: Product, pools: list[LicensePool]) -> NotEnoughLicenses:
    assignable = [pool for pool in pools if pool.subscription.status in ASSIGNABLE_STATUSES]
    return NotEnoughLicenses(
        sku=product.sku_part_number,
        product=product.name,
        requested=1,
        available=sum(max(pool.available, 0) for pool in assignable),
        sku_id=str(product.sku_id),
        waiting=sum(pool.pending for pool in assignable),
    )


@transaction.atomic
def group_skus_change(
    *,
    by: Actor,
    group: Group,
    add: Iterable[Product] = (),
    remove: Iterable[Product] = (),
    disabled_plans: DisabledPlans = None,
) -> LicenseChange:
    """Add and remove a group's products named by product alone, all or nothing across subscriptions.

    A product the group holds stays in its pool (only its plans change); a new one goes to the pool the rule
    picks or, when none has a free license, to the first pool by the same order whose subscription allows
    assignment, where the members wait in line (Graph's CountViolation). Removal takes it from every pool of the
    product the group holds."""
    require_admin(by.user)
    add, remove = list(add), list(remove)
    add_ids, remove_ids = product_ids_apart(add, remove)
    groups_write_lock()
    group = group_lock(group.pk)
    pools = _pools_locked(by, LicensePool.objects.filter(product_id__in=add_ids | remove_ids))
    held = set(
        GroupLicense.objects.filter(
            group=group, pool_id__in=[pool.pk for product_pools in pools.values() for pool in product_pools]
        ).values_list("pool_id", flat=True)
    )
    adding: dict[LicensePool, Product] = {}
    for product in add:
        holding = [pool for pool in pools[product.pk] if pool.pk in held]
        assignable = [pool for pool in pools[product.pk] if pool.subscription.status in ASSIGNABLE_STATUSES]
        chosen = (
            min(holding, key=pool_choice_key)
            if holding
            else pool_choose(assignable) or min(assignable, key=pool_choice_key, default=None)
        )
        if chosen is None:
            raise _no_licenses(product, pools[product.pk])
        adding[chosen] = product
    removing = {pool: product for product in remove for pool in pools[product.pk] if pool.pk in held}
    return _by_subscription(
        add=adding,
        remove=removing,
        disabled_plans=disabled_plans,
        change=lambda **change: group_licenses_change(by=by, group=group, **change),
    )
