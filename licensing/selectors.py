"""Reads for pages, endpoints and commands. Every selector that takes an actor narrows to their scope."""

import uuid
from collections.abc import Iterable

from django.db.models import Prefetch, Q, QuerySet

from accounts.models import User
from accounts.permissions import admin_scope, require_subscription_visible

from .exceptions import NotFound
from .models import AuditEvent, LicenseAssignment, LicensePool, Product, Subscription


def subscriptions_visible(*, actor: User | None) -> QuerySet[Subscription]:
    """The subscriptions `actor` may see, each with its pools and their products."""
    queryset = Subscription.objects.prefetch_related(
        Prefetch("pools", queryset=LicensePool.objects.select_related("product").order_by("product__name"))
    )
    if actor is None:
        return queryset
    return admin_scope(actor).filter_subscriptions(queryset)


def subscription_get(*, actor: User | None, subscription_id: int) -> Subscription:
    """One subscription, or NotFound when it does not exist or lies outside the actor's scope."""
    require_subscription_visible(actor, subscription_id)
    return subscriptions_visible(actor=actor).get(pk=subscription_id)


def pools_of_subscription(*, subscription: Subscription) -> QuerySet[LicensePool]:
    return LicensePool.objects.filter(subscription=subscription).select_related("product").order_by("product__name")


def user_licenses(*, user: User, actor: User | None = None) -> QuerySet[LicenseAssignment]:
    """The licenses `user` holds, in every subscription the actor may see."""
    queryset = (
        LicenseAssignment.objects.filter(user=user)
        .select_related("pool__product", "pool__subscription", "assigned_by")
        .order_by("pool__subscription__name", "pool__product__name")
    )
    if actor is None:
        return queryset
    return admin_scope(actor).filter_subscriptions(queryset, "pool__subscription_id")


def audit_events_visible(*, actor: User | None) -> QuerySet[AuditEvent]:
    """The audit events `actor` may read: all, or a Subscription Administrator's subscriptions' events."""
    queryset = AuditEvent.objects.all()
    if actor is None:
        return queryset
    scope = admin_scope(actor)
    if not scope.can_read_audit_log:
        return queryset.none()
    return scope.filter_subscriptions(queryset, "subscription_id")


def product_identifier_q(identifier: str) -> Q:
    """Match a product by its sku id (UUID) or its part number, case-insensitively, as REST and CLI name them."""
    identifier = str(identifier).strip()
    try:
        return Q(sku_id=uuid.UUID(identifier))
    except ValueError:
        return Q(sku_part_number__iexact=identifier)


def products_resolve(*, identifiers: Iterable[str]) -> list[Product]:
    """The products named by sku id or part number, in the order given; NotFound names every unknown one."""
    identifiers = [str(identifier).strip() for identifier in identifiers]
    if not identifiers:
        return []
    query = Q()
    for identifier in identifiers:
        query |= product_identifier_q(identifier)
    products = list(Product.objects.filter(query))
    found: dict[str, Product] = {}
    for product in products:
        found[str(product.sku_id)] = product
        found[product.sku_part_number.upper()] = product
    unknown = [identifier for identifier in identifiers if _product_key(identifier) not in found]
    if unknown:
        raise NotFound(f"Unknown product: {', '.join(unknown)}.", skus=unknown)
    return list(
        {found[_product_key(identifier)].pk: found[_product_key(identifier)] for identifier in identifiers}.values()
    )


def _product_key(identifier: str) -> str:
    try:
        return str(uuid.UUID(identifier))
    except ValueError:
        return identifier.upper()
