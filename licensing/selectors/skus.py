"""Licenses by product, as Microsoft Graph shows them (a product is a SKU there): the products summed over the
subscriptions a reader may see (`subscribed_skus`), and which products each user and group holds, from which
sources, with which plans switched off (`users_skus`, `groups_skus`). Each at a fixed number of queries whatever
the number of users or groups."""

import datetime
import uuid
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field

from django.db import router
from django.db.models import BooleanField, Exists, JSONField, OuterRef, Q, QuerySet, Value
from django.utils.functional import cached_property

from accounts.models import User
from core.rows import own_columns
from core.sql import statement_once

from ..choices import SubscriptionStatus
from ..models import GroupLicense, LicenseAssignment, PendingLicense, Product, ServicePlan
from .assignments import assignments_visible, pool_rows_visible, scope_of
from .counts import users_in_pools_count
from .plans import plans_from_row, plans_of_product_row, product_plans, products_with_plans
from .sources import groups_giving_row
from .subscriptions import pools_visible

# A product's capability over its subscriptions: the best status of any of them, in this order.
STATUS_ORDER = [
    SubscriptionStatus.ACTIVE,
    SubscriptionStatus.WARNING,
    SubscriptionStatus.SUSPENDED,
    SubscriptionStatus.EXPIRED,
]


@dataclass
class SubscribedSku:
    """One product over the subscriptions a reader may see: its licenses by subscription status, how many are
    assigned, and its plans."""

    product: Product
    plans: list[ServicePlan]
    subscription_ids: list[int] = field(default_factory=list)
    consumed: int = 0
    units: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUS_ORDER, 0))
    statuses: set[str] = field(default_factory=set)

    @property
    def status(self) -> str:
        """The best status among its subscriptions (active before warning, suspended, expired)."""
        return next(status for status in STATUS_ORDER if status in self.statuses)


def subscribed_skus(*, actor: User | None) -> list[SubscribedSku]:
    """Every product with a pool in a subscription `actor` may see, by part number: two queries."""
    pools = list(pools_visible(actor=actor))
    products = {pool.product_id: pool.product for pool in pools}
    plans = product_plans(products.values())
    skus = {pk: SubscribedSku(product, plans.get(pk, [])) for pk, product in products.items()}
    for pool in pools:
        sku = skus[pool.product_id]
        sku.subscription_ids.append(pool.subscription_id)
        sku.consumed += pool.assigned
        sku.units[pool.subscription.status] += pool.quantity
        sku.statuses.add(pool.subscription.status)
    return sorted(skus.values(), key=lambda sku: sku.product.sku_part_number)


def holders_of_sku(*, sku_id: uuid.UUID, actor: User | None) -> Q:
    """The users who hold a license of the product `sku_id` in a subscription `actor` may see (a Q of User)."""
    held = assignments_visible(scope=scope_of(actor)).filter(user=OuterRef("pk"), pool__product__sku_id=sku_id)
    return Q(Exists(held))


def holders_of_sku_count(*, sku_id: uuid.UUID, actor: User | None) -> int:
    """How many users `holders_of_sku` matches, from the counters of the product's pools (selectors/counts.py)."""
    return users_in_pools_count(LicenseAssignment, pools_visible(actor=actor).filter(product__sku_id=sku_id))


@dataclass
class SkuSource:
    """One source of a user's product in one pool: direct (`group` None) or a group (its public id), and the plans
    it switches off. `waiting`: the user is in the pool's line for it (they do not hold it)."""

    group: uuid.UUID | None
    disabled_plans: list[str]
    since: datetime.datetime
    waiting: bool = False


@dataclass
class UserSku:
    """A product a user holds or waits for, over the pools of it the reader may see."""

    product: Product
    plans: list[ServicePlan]
    sources: list[SkuSource] = field(default_factory=list)

    # Cached: read once per property of a user's resource, for hundreds of licenses a page (sources are final).
    # Django's cached_property: functools' takes a lock on Python 3.11, three times the cost of a first read.
    @cached_property
    def held(self) -> bool:
        return any(not source.waiting for source in self.sources)

    @cached_property
    def disabled_plans(self) -> list[str]:
        """The plans off whatever source it comes from: a plan is on when any source leaves it on."""
        held = [set(source.disabled_plans) for source in self.sources if not source.waiting]
        return sorted(set.intersection(*held)) if held else []

    @cached_property
    def assigned_at(self) -> datetime.datetime | None:
        return min((source.since for source in self.sources if not source.waiting), default=None)


def users_skus(*, user_ids: Collection[int], actor: User | None) -> dict[int, list[UserSku]]:
    """The products these users hold or wait for, in the subscriptions `actor` may see, by user id (every id a
    key), each list by part number, with their sources: two queries whatever the number of users, read as tuples
    (a page of 100 users holds hundreds of licenses; building a model for each would cost more than the reads)."""
    rows = _sku_rows(user_ids, actor, with_products=False)
    products, plans = products_with_plans({product_id for _, _, product_id, *_ in rows})
    return _skus_built(user_ids, rows, products, plans)


def user_skus(*, user_id: int, actor: User | None) -> list[UserSku]:
    """One user's products, as users_skus gives them, in one query: each row carries its product and the product's
    plans (plans_of_product_row). A user holds a handful of licenses; a page's hundreds of rows would repeat
    them, so lists read the products once instead (users_skus). Graph's user, their licenseDetails and the answer to
    an assignLicense read this."""
    rows = _sku_rows([user_id], actor, with_products=True)
    db = router.db_for_read(Product)
    products, plans = {}, {}
    for row in rows:
        product_id, product_values = row[2], row[len(_SKU_COLUMNS) : -1]
        if product_id not in products:
            products[product_id] = Product.from_db(db, _PRODUCT_COLUMNS, product_values)
            plans[product_id] = plans_from_row(row[-1])
    return _skus_built([user_id], rows, products, plans)[user_id]


# A row of _sku_rows: the license (user, pool, product), its time, its direct source and that source's plans off
# (NULL for a place in a line: the columns of an assignment, padded), the groups giving it; with_products: then its
# product's columns and plans.
_SKU_COLUMNS = ("user_id", "pool_id", "pool__product_id", "assigned_at", "direct", "disabled_plans", "giving")
_PRODUCT_COLUMNS = own_columns(Product)


def _sku_rows(user_ids: Collection[int], actor: User | None, *, with_products: bool) -> list[list]:
    """The rows users_skus and user_skus build from: one statement, compiled once per reach and shape."""
    scope = scope_of(actor)

    def statement(user_ids: list[int]) -> QuerySet:
        held = assignments_visible(scope=scope).filter(user_id__in=user_ids)
        waiting = pool_rows_visible(PendingLicense.objects.filter(user_id__in=user_ids), scope=scope)
        # Each license (user, pool) held or waited for, with its time, and its direct source's plans if it has one;
        # the places in a line come in the same statement, with no direct source (NULL).
        # Each row with the groups giving it: [public id, name, plans off] (groups_giving_row).
        giving = groups_giving_row("group__public_id", "group__name", "disabled_plans")
        products = {"product_plans": plans_of_product_row("pool__product_id")} if with_products else {}
        product_columns = [f"pool__product__{name}" for name in _PRODUCT_COLUMNS] if with_products else []
        return (
            held.order_by()
            .annotate(giving=giving, **products)
            .values_list(*_SKU_COLUMNS, *product_columns, *products)
            .union(
                waiting.order_by()
                .annotate(
                    no_source=Value(None, output_field=BooleanField()),
                    no_plans=Value(None, output_field=JSONField()),
                    giving=giving,
                    **products,
                )
                .values_list(
                    *_SKU_COLUMNS[:3], "since", "no_source", "no_plans", "giving", *product_columns, *products
                ),
                all=True,
            )
        )

    # Compiled once per reach (users_licenses): a page of Graph's users built and compiled it on every request.
    reach = None if scope is None else scope.reach
    return statement_once(LicenseAssignment, ("users skus", reach, with_products), statement, user_ids=list(user_ids))


def _skus_built(
    user_ids: Collection[int],
    rows: list[list],
    products: dict[int, Product],
    plans: dict[int, list[ServicePlan]],
) -> dict[int, list[UserSku]]:
    """users_skus from the rows of _sku_rows and their products and plans, by product id."""
    licenses = {}
    given = {}  # (user, pool): [(group's public id, its plans off)], by group name
    for user_id, pool_id, product_id, since, direct, disabled, groups, *_ in rows:
        licenses[user_id, pool_id] = (product_id, since, disabled if direct else None, direct is None)
        given[user_id, pool_id] = [
            (uuid.UUID(public_id), plans) for public_id, _, plans in sorted(groups or (), key=lambda row: row[1])
        ]
    skus: dict[int, dict[int, UserSku]] = {user_id: {} for user_id in user_ids}
    for (user_id, pool_id), (product_id, since, direct_plans, in_line) in licenses.items():
        sku = skus[user_id].setdefault(product_id, UserSku(products[product_id], plans[product_id]))
        if direct_plans is not None:
            sku.sources.append(SkuSource(None, direct_plans, since))
        sku.sources += [SkuSource(group, disabled, since, in_line) for group, disabled in given[user_id, pool_id]]
    return {
        user_id: sorted(by_product.values(), key=lambda sku: sku.product.sku_part_number)
        for user_id, by_product in skus.items()
    }


def groups_skus(*, group_ids: Collection[int], actor: User | None) -> dict[int, list[tuple[Product, list[str]]]]:
    """The products these groups hold in the subscriptions `actor` may see, with the plans each switches off, by
    group id (every id a key), each list by part number: one query."""
    licenses = pool_rows_visible(
        GroupLicense.objects.filter(group_id__in=group_ids), scope=scope_of(actor)
    ).select_related("pool__product")
    by_group: dict[int, dict[int, tuple[Product, set[str]]]] = defaultdict(dict)
    for license in licenses:
        product = license.pool.product
        _, disabled = by_group[license.group_id].setdefault(product.pk, (product, set(license.disabled_plans)))
        disabled &= set(license.disabled_plans)
    return {
        group_id: sorted(
            ((product, sorted(disabled)) for product, disabled in by_group[group_id].values()),
            key=lambda item: item[0].sku_part_number,
        )
        for group_id in group_ids
    }
