"""One user's licenses changed as a REST request names them: the user's and the subscription's ids, the products
by sku id or part number. The statement that locks the pools finds the products and the subscription too, so the
change reads nothing twice (docs/architecture.md, "One change, few statements"); what it cannot find is told apart
only then, on the way to the error.
"""

import uuid
from collections.abc import Collection, Mapping, Sequence

from django.db import transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Upper

from accounts.permissions import require_license_management
from accounts.services.locks import user_locked
from core.audit import Actor
from core.errors import ProductNotInSubscription, ValidationFailed
from core.sql import statement_once

from ..models import LicensePool, Product
from ..selectors.products import product_key, product_keys, products_resolve, sku_id_of
from .assignments import (
    LicenseChange,
    licenses_apply,
    plans_wanted,
    pools_held_directly,
    product_ids_apart,
    require_version,
    subscription_of,
)
from .locks import plans_known, pools_holding

Plans = Mapping[str, Collection[str]] | None


@transaction.atomic
def user_licenses_change_named(
    *,
    by: Actor,
    user_id: int,
    subscription_id: int,
    add: Sequence[str] = (),
    remove: Sequence[str] = (),
    disabled_plans: Plans = None,
    expected_versions: Collection[str] | None = None,
) -> LicenseChange:
    """services.assignments.user_licenses_change, named by ids and product identifiers (NotFound for an unknown
    user, subscription or product). The change's `user` is the user as read under their lock."""
    require_license_management(by.user, subscription_id)
    user = user_locked(user_id)
    require_version(by, user, expected_versions)
    named = [*add, *remove, *(disabled_plans or {})]
    pools = _pools_named(user, subscription_id, named)
    products = _products_of(pools, subscription_id, named)
    add_ids, remove_ids = product_ids_apart(
        [products[_key(name)] for name in add], [products[_key(name)] for name in remove]
    )
    wanted = plans_wanted(_plans_by_product(products, disabled_plans), remove_ids, known=plans_known(pools))
    return _apply(by, user, pools, add_ids, remove_ids, wanted)


@transaction.atomic
def user_licenses_set_named(
    *,
    by: Actor,
    user_id: int,
    subscription_id: int,
    products: Sequence[str],
    disabled_plans: Plans = None,
    expected_versions: Collection[str] | None = None,
) -> LicenseChange:
    """services.assignments.user_licenses_set, named by ids and product identifiers."""
    require_license_management(by.user, subscription_id)
    user = user_locked(user_id)
    require_version(by, user, expected_versions)
    named = [*products, *(disabled_plans or {})]
    pools = _pools_named(user, subscription_id, named, with_held=True)
    found = _products_of(pools, subscription_id, named)
    desired = {found[_key(name)].pk for name in products}
    held = {pool.product_id for pool in pools if pool.held_direct}
    wanted = plans_wanted(_plans_by_product(found, disabled_plans), held - desired, known=plans_known(pools))
    return _apply(by, user, pools, desired - held, held - desired, wanted)


def _apply(by: Actor, user, pools: list[LicensePool], add_ids: set[int], remove_ids: set[int], wanted) -> LicenseChange:
    """licenses_apply on the locked `pools` (none: nothing was named, nothing changes)."""
    if not pools:
        return LicenseChange(user=user)
    return licenses_apply(
        by=by,
        user=user,
        subscription=pools[0].subscription,
        pools=pools,
        add_ids=add_ids,
        remove_ids=remove_ids,
        wanted=wanted,
    )


def _key(name: str) -> str:
    """A product's name as sent, as product_keys spell the keys it is found under."""
    return product_key(str(name).strip())


def _pools_named(user, subscription_id: int, named: Sequence[str], *, with_held: bool = False) -> list[LicensePool]:
    """Lock the subscription's pools of the products `named` (by sku id or part number, in any case) and, `with_held`,
    of those `user` holds directly (the pools of a set), and read them with `user`'s licenses of them
    (locks.pools_holding). The locking statement is compiled once per number of sku ids and of part numbers
    (core.sql.statement_once): built on every change, it was a tenth of the API's change."""
    if not named and not with_held:
        return []
    keys = {_key(name): sku_id_of(_key(name)) for name in named}
    sku_ids = sorted(sku_id for sku_id in keys.values() if sku_id)
    parts = sorted(key for key, sku_id in keys.items() if not sku_id)
    holder = {"user_id": [user.pk]} if with_held else {}

    def locking(subscription_id: list[int], sku_ids: list[uuid.UUID], parts: list[str], user_id=None) -> QuerySet:
        products = Product.objects.annotate(part=Upper("sku_part_number")).filter(
            Q(sku_id__in=sku_ids) | Q(part__in=parts)
        )
        wanted = Q(product_id__in=products.values("pk"))
        if user_id is not None:
            wanted |= Q(pk__in=pools_held_directly(user_id[0]))
        pools = LicensePool.objects.filter(wanted, subscription_id=subscription_id[0])
        return pools.select_for_update(of=("self",)).order_by("pk").values_list("pk")

    rows = statement_once(
        LicensePool,
        ("pools named", with_held),
        locking,
        subscription_id=[subscription_id],
        sku_ids=sku_ids,
        parts=parts,
        **holder,
    )
    return pools_holding([pool_id for (pool_id,) in rows], user)


def _products_of(pools: list[LicensePool], subscription_id: int, named: Sequence[str]) -> dict[str, Product]:
    """The products `named`, by product_key, from the subscription's pools locked for them. A name that none of
    them has is an unknown product (NotFound), or one the subscription (if it exists) does not hold."""
    products = {key: pool.product for pool in pools for key in product_keys(pool.product)}
    missing = [name for name in named if _key(name) not in products]
    subscription = subscription_of(pools, subscription_id)
    if missing:
        unheld = products_resolve(identifiers=missing)  # NotFound for a product that does not exist
        raise ProductNotInSubscription(
            subscription=subscription.name, skus=sorted({product.sku_part_number for product in unheld})
        )
    return {_key(name): products[_key(name)] for name in named}


def _plans_by_product(products: dict[str, Product], disabled_plans: Plans) -> dict[Product, Collection[str]]:
    """`disabled_plans` keyed by product; a product named twice (by sku id and by part number) is an error."""
    by_product: dict[Product, Collection[str]] = {}
    for name, plans in (disabled_plans or {}).items():
        product = products[_key(name)]
        if product in by_product:
            raise ValidationFailed(f"Plans given twice for {product.sku_part_number}.", skus=[product.sku_part_number])
        by_product[product] = plans
    return by_product
