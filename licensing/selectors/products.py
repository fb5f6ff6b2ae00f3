"""The product catalogue. A product is named by its sku id (a UUID) or its part number, in any case: the one
place that matches either, in SQL (`product_identifier_q`) and in memory (`product_key`)."""

import uuid
from collections.abc import Iterable

from django.db.models import Q, QuerySet

from core.errors import NotFound

from ..models import LicensePool, Product, Subscription


def product_identifier_q(identifier: str) -> Q:
    """Match a product by its sku id (UUID) or its part number, case-insensitively, as REST and CLI name them."""
    identifier = str(identifier).strip()
    sku_id = sku_id_of(identifier)
    return Q(sku_id=sku_id) if sku_id else Q(sku_part_number__iexact=identifier)


def product_key(identifier: str) -> str:
    """An identifier as one of `product_keys` would spell it."""
    sku_id = sku_id_of(identifier)
    return str(sku_id) if sku_id else identifier.upper()


def sku_id_of(identifier: str) -> uuid.UUID | None:
    """The sku id an identifier spells, or None when it is a part number."""
    try:
        return uuid.UUID(identifier)
    except ValueError:
        return None


def product_keys(product: Product) -> tuple[str, str]:
    """The spellings under which `product_key` finds a product: its sku id and its part number."""
    return str(product.sku_id), product.sku_part_number.upper()


def product_ids_named(identifier: str) -> QuerySet[Product]:
    """The ids of the product `identifier` names (none or one), as a subquery for filters."""
    return Product.objects.filter(product_identifier_q(identifier)).values("pk")


def pools_of_product(*, pools: Iterable[LicensePool], identifier: str) -> list[LicensePool]:
    """Those of `pools` (their products loaded) whose product `identifier` names, as product_identifier_q matches."""
    key = product_key(str(identifier).strip())
    return [pool for pool in pools if key in product_keys(pool.product)]


def products_resolve(*, identifiers: Iterable[str]) -> list[Product]:
    """The products named by sku id or part number, in the order given; NotFound names every unknown one."""
    identifiers = [str(identifier).strip() for identifier in identifiers]
    if not identifiers:
        return []
    query = Q()
    for identifier in identifiers:
        query |= product_identifier_q(identifier)
    found = {key: product for product in Product.objects.filter(query) for key in product_keys(product)}
    unknown = [identifier for identifier in identifiers if product_key(identifier) not in found]
    if unknown:
        raise NotFound(f"Unknown product: {', '.join(unknown)}.", skus=unknown)
    return list(
        {found[product_key(identifier)].pk: found[product_key(identifier)] for identifier in identifiers}.values()
    )


def products_to_buy(*, subscription: Subscription) -> QuerySet[Product]:
    """The products `subscription` does not hold yet: what "Buy licenses" offers, by name."""
    return Product.objects.exclude(pools__subscription=subscription).order_by("name")
