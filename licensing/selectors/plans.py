"""Service plans: the apps inside a product, and those switched off on a user's licenses (README, "Service plans").

A license's sources each switch plans off: the direct assignment (`LicenseAssignment.disabled_plans`, meaningful
while `direct`) and every group that gives it (`GroupLicense.disabled_plans`). A plan is on when any source has it
on, so the plans off on the license are the intersection of its sources' disabled sets."""

import itertools
import uuid
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping

from django.db import router
from django.db.models import JSONField, OuterRef, QuerySet, Subquery

from accounts.models import GroupMembership
from core.errors import ValidationFailed
from core.rows import own_columns
from core.sql import JSONList, JSONRow, statement_once

from ..models import LicenseAssignment, Product, ServicePlan
from .products import product_key, product_keys, products_resolve


def product_plans(products: Iterable[Product]) -> dict[int, list[ServicePlan]]:
    """The plans of each of `products`, by product id (every id is a key), each list by name: one query."""
    product_ids = [product.pk for product in products]
    plans: dict[int, list[ServicePlan]] = {product_id: [] for product_id in product_ids}
    if not product_ids:
        return plans
    links = ServicePlan.products.through.objects.filter(product_id__in=product_ids).select_related("serviceplan")
    for link in links.order_by("serviceplan__name"):
        plans[link.product_id].append(link.serviceplan)
    return plans


_PLAN_COLUMNS = ("id", "service_plan_id", "name", "friendly_name")


def plans_of_product_row(product: str = "product_id") -> Subquery:
    """The plans of the outer row's product (its column `product`) as a JSON list of [id, service_plan_id, name,
    friendly_name] (NULL when it has none), so a pool carries its product's plans in its own statement
    (plans_from_row builds them)."""
    links = (
        ServicePlan.products.through.objects.filter(product_id=OuterRef(product))
        .order_by()
        .values("product")
        .annotate(plans=JSONList(JSONRow(*(f"serviceplan__{name}" for name in _PLAN_COLUMNS))))
        .values("plans")
    )
    return Subquery(links, output_field=JSONField())


def plans_from_row(rows: list | None) -> list[ServicePlan]:
    """The plans plans_of_product_row gave, by name."""
    plans = [
        ServicePlan(pk=pk, service_plan_id=uuid.UUID(str(plan_id)), name=name, friendly_name=friendly_name)
        for pk, plan_id, name, friendly_name in rows or ()
    ]
    return sorted(plans, key=lambda plan: plan.name)


def _plans_known(products: Iterable[Product], known: Mapping[int, list[ServicePlan]] | None) -> dict:
    """The plans of `products` by product id: those `known` already (read with their pools), the others in one
    query (none when all are known)."""
    plans = dict(known or {})
    unknown = [product for product in products if product.pk not in plans]
    if unknown:
        plans |= product_plans(unknown)
    return plans


def products_with_plans(product_ids: Collection[int]) -> tuple[dict[int, Product], dict[int, list[ServicePlan]]]:
    """The products of these ids, and the plans of each by name (every id a key): one query, a LEFT JOIN from the
    products through their plans, compiled once (core.sql.statement_once): Graph reads it for every page of users
    (one user's products come with their licenses instead: skus.user_skus)."""
    product_fields = own_columns(Product)
    plan_fields = own_columns(ServicePlan)

    def statement(product_ids: list[int]) -> QuerySet:
        rows = Product.objects.filter(pk__in=product_ids).order_by("pk", "service_plans__name")
        return rows.values_list(*product_fields, *("service_plans__" + name for name in plan_fields))

    products: dict[int, Product] = {}
    plans: dict[int, list[ServicePlan]] = {}
    db = router.db_for_read(Product)
    for row in statement_once(Product, "products with plans", statement, product_ids=sorted(product_ids)):
        product, plan = row[: len(product_fields)], row[len(product_fields) :]
        if product[0] not in products:
            products[product[0]] = Product.from_db(db, product_fields, product)
            plans[product[0]] = []
        if plan[0] is not None:  # a product without plans comes once, with NULLs for the plan
            plans[product[0]].append(ServicePlan.from_db(db, plan_fields, plan))
    return products, plans


def plans_resolve(product: Product, identifiers: Collection[str]) -> list[ServicePlan]:
    """The plans of `product` that `identifiers` name (each a service_plan_id or a name, in any case), by name;
    ValidationFailed names every identifier that is no plan of the product. One query."""
    return plans_match(product, product_plans([product])[product.pk], identifiers)


def plans_resolve_many(
    identifiers_of: Mapping[Product, Collection[str]], known: Mapping[int, list[ServicePlan]] | None = None
) -> dict[int, list[str]]:
    """For each product, the sorted service_plan_id strings of the plans its identifiers name (plans_resolve for
    several products in one query, none when no plan is named or `known` has every product's plans): the
    `disabled_plans` a service stores."""
    plans_of = _plans_known(identifiers_of, known) if any(identifiers_of.values()) else defaultdict(list)
    return {
        product.pk: sorted(plan.key for plan in plans_match(product, plans_of[product.pk], names))
        for product, names in identifiers_of.items()
    }


def plans_off_from_on(
    identifiers_on: Mapping[Product, Collection[str]], known: Mapping[int, list[ServicePlan]] | None = None
) -> dict[int, list[str]]:
    """For each product, the sorted service_plan_id strings of its plans that `identifiers_on` leaves off (the
    dialog's switches: those sent are on): the `disabled_plans` a service stores. ValidationFailed for an
    identifier that names no plan of its product. One query, none when `known` has every product's plans."""
    plans_of = _plans_known(identifiers_on, known)
    return {
        product.pk: sorted(
            plan.key for plan in set(plans_of[product.pk]) - set(plans_match(product, plans_of[product.pk], names))
        )
        for product, names in identifiers_on.items()
    }


def plans_by_product(identifiers_of: Mapping[str, Collection[str]]) -> dict[Product, Collection[str]]:
    """`disabled_plans` as the REST API and the CLI take it, keyed by sku id or part number, keyed by product for
    the services (one query). NotFound for an unknown product; ValidationFailed for one named twice."""
    products = products_resolve(identifiers=list(identifiers_of))
    by_key = {key: product for product in products for key in product_keys(product)}
    named = [by_key[product_key(str(sku).strip())] for sku in identifiers_of]
    if len(set(named)) < len(named):
        twice = sorted({product.sku_part_number for product in named if named.count(product) > 1})
        raise ValidationFailed(f"Plans given twice for {', '.join(twice)}.", skus=twice)
    return dict(zip(named, identifiers_of.values(), strict=True))


def plans_match(product: Product, plans: Iterable[ServicePlan], identifiers: Collection[str]) -> list[ServicePlan]:
    """Those of `plans` (the product's) that `identifiers` name; ValidationFailed for any that names none."""
    by_key = {key: plan for plan in plans for key in (plan.key, plan.name.upper())}
    keys = {str(identifier): _plan_key(str(identifier)) for identifier in identifiers}
    unknown = sorted(identifier for identifier, key in keys.items() if key not in by_key)
    if unknown:
        raise ValidationFailed(
            f"Not a service plan of {product.sku_part_number}: {', '.join(unknown)}.",
            sku=product.sku_part_number,
            plans=unknown,
        )
    return sorted({by_key[key] for key in keys.values()}, key=lambda plan: plan.name)


def _plan_key(identifier: str) -> str:
    identifier = identifier.strip()
    try:
        return str(uuid.UUID(identifier))
    except ValueError:
        return identifier.upper()


def plans_disabled(
    user_ids: Collection[int], pool_ids: Collection[int] | None = None
) -> dict[tuple[int, int], list[str]]:
    """The plans switched off on every license these users hold (of `pool_ids`, if given), by (user id, pool id):
    the sorted service_plan_id strings that no source of the license has on. Two queries whatever the number of
    users."""
    held = LicenseAssignment.objects.filter(user_id__in=user_ids)
    given = GroupMembership.objects.filter(user_id__in=user_ids, group__licenses__isnull=False)
    if pool_ids is not None:
        held = held.filter(pool_id__in=pool_ids)
        given = given.filter(group__licenses__pool_id__in=pool_ids)
    return _disabled_of(held, given)


def _disabled_of(
    held: QuerySet[LicenseAssignment], given: QuerySet[GroupMembership]
) -> dict[tuple[int, int], list[str]]:
    """The plans off on each license of `held`, from the direct sources and the group sources `given` (the
    memberships, with the group licenses they give)."""
    sources: dict[tuple[int, int], list[Collection[str]]] = defaultdict(list)
    for user_id, pool_id, disabled in given.values_list(
        "user_id", "group__licenses__pool_id", "group__licenses__disabled_plans"
    ):
        sources[user_id, pool_id].append(disabled)
    disabled_of = {}
    for user_id, pool_id, direct, disabled in held.values_list("user_id", "pool_id", "direct", "disabled_plans"):
        source_sets = [*sources.get((user_id, pool_id), []), *([disabled] if direct else [])]
        disabled_of[user_id, pool_id] = sorted(set.intersection(*map(set, source_sets))) if source_sets else []
    return disabled_of


def plan_names(plan_ids: Iterable[str]) -> dict[str, str]:
    """The name of each plan of `plan_ids` (service_plan_id strings), by id: one query."""
    plans = ServicePlan.objects.filter(service_plan_id__in=set(plan_ids)).values_list("service_plan_id", "name")
    return {str(plan_id): name for plan_id, name in plans}


def assignments_with_plans_off(assignments: Iterable[LicenseAssignment], *, batch: int = 2000):
    """`assignments` (an iterator, for exports), each with `plans_off`: the names of the plans switched off on it,
    by name. Three queries per batch of rows."""
    iterator = iter(assignments)
    while rows := list(itertools.islice(iterator, batch)):
        disabled = plans_disabled({row.user_id for row in rows}, {row.pool_id for row in rows})
        names = plan_names(plan_id for plans in disabled.values() for plan_id in plans)
        for row in rows:
            row.plans_off = sorted(names.get(plan_id, plan_id) for plan_id in disabled[row.user_id, row.pool_id])
            yield row


def plans_off_by_pool(pool_ids: Collection[int]) -> dict[int, dict[str, int]]:
    """For each of the pools, how many of its licenses have each plan switched off, by plan name (pools where all
    are on have none): three queries, every holder of the pools read once (for reports, not pages)."""
    held = LicenseAssignment.objects.filter(pool_id__in=pool_ids)
    given = GroupMembership.objects.filter(group__licenses__pool_id__in=pool_ids)
    counts: dict[int, Counter] = defaultdict(Counter)
    for (_, pool_id), plans in _disabled_of(held, given).items():
        counts[pool_id].update(plans)
    names = plan_names(plan_id for counted in counts.values() for plan_id in counted)
    return {
        pool_id: {
            names.get(plan_id, plan_id): count
            for plan_id, count in sorted(counted.items(), key=lambda item: names.get(item[0], item[0]))
        }
        for pool_id, counted in counts.items()
    }
