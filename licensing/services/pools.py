"""A subscription's pools: adding a product with a quantity, and changing the quantity (never below assigned)."""

from django.db import transaction

from accounts.permissions import require_quantity_change
from core.audit import Actor, audit_record_one
from core.choices import AuditAction
from core.errors import QuantityBelowAssigned, ValidationFailed

from ..models import LicensePool, Product, Subscription
from .holders import line_serve
from .locks import pool_lock


def _require_valid_quantity(quantity: int) -> None:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 0 <= quantity <= LicensePool.MAX_QUANTITY:
        raise ValidationFailed(
            f"The quantity must be a whole number from 0 to {LicensePool.MAX_QUANTITY:,}.",
            quantity=quantity,
            max_quantity=LicensePool.MAX_QUANTITY,
        )


@transaction.atomic
def pool_create(*, by: Actor, subscription: Subscription, product: Product, quantity: int) -> LicensePool:
    """Add a product to a subscription with `quantity` licenses; a product it has already is left as it is."""
    require_quantity_change(by.user, subscription.pk)
    _require_valid_quantity(quantity)
    pool, created = LicensePool.objects.get_or_create(
        subscription=subscription, product=product, defaults={"quantity": quantity}
    )
    if created:
        audit_record_one(
            AuditAction.POOL_CREATED,
            actor=by,
            subscription=subscription,
            product=product,
            details={"quantity": quantity},
        )
    return pool


@transaction.atomic
def pool_set_quantity(*, by: Actor, pool: LicensePool, quantity: int) -> LicensePool:
    """Change how many licenses a pool holds; never below what is assigned. The licenses added go to the members
    waiting in the pool's line first."""
    require_quantity_change(by.user, pool.subscription_id)
    _require_valid_quantity(quantity)
    locked = pool_lock(pool.pk)
    if quantity < locked.assigned:
        raise QuantityBelowAssigned(
            sku=locked.product.sku_part_number, product=locked.product.name, quantity=quantity, assigned=locked.assigned
        )
    old_quantity = locked.quantity
    if quantity != old_quantity:
        LicensePool.objects.filter(pk=locked.pk).update(quantity=quantity)
        audit_record_one(
            AuditAction.QUANTITY_CHANGED,
            actor=by,
            subscription=locked.subscription,
            product=locked.product,
            details={"old_quantity": old_quantity, "new_quantity": quantity},
        )
        locked.quantity = quantity
        line_serve(by=by, pool=locked)
    return locked
