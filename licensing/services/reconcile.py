"""Repairing pool counters that disagree with their assignment rows (after a restore or a manual SQL fix): the
drift is licensing.integrity's counter check, taken under lock."""

from django.db import transaction

from accounts.permissions import admin_scope, require_admin, require_license_management
from core.audit import Actor, audit_event_new, audit_record
from core.choices import AuditAction
from core.errors import QuantityBelowAssigned

from ..integrity import PoolDrift, pool_drifts
from ..models import LicensePool
from .locks import pools_lock_all


@transaction.atomic
def pools_reconcile(*, by: Actor, fix: bool) -> list[PoolDrift]:
    """Compare every pool's counter with its assignment rows; with `fix`, set the counter to the row count.

    The pools are locked in primary-key order while they are counted, so a concurrent change cannot show up as
    drift. A pool with more rows than licenses cannot be fixed by its counter (the database keeps assigned within
    quantity): QuantityBelowAssigned, before any write, says how many to unassign.
    """
    require_admin(by.user)
    pools = LicensePool.objects.all()
    if by.user is not None:
        pools = admin_scope(by.user).filter_subscriptions(pools, "subscription_id")
    drifts = pool_drifts(pools_lock_all(pools))
    if not fix or not drifts:
        return drifts
    for drift in drifts:
        require_license_management(by.user, drift.pool.subscription_id)
        if drift.actual > drift.pool.quantity:
            raise QuantityBelowAssigned(
                sku=drift.pool.product.sku_part_number,
                product=drift.pool.product.name,
                quantity=drift.pool.quantity,
                assigned=drift.actual,
            )
    for drift in drifts:
        LicensePool.objects.filter(pk=drift.pool.pk).update(assigned=drift.actual)
    audit_record(
        [
            audit_event_new(
                AuditAction.POOL_RECONCILED,
                actor=by,
                subscription=drift.pool.subscription,
                product=drift.pool.product,
                details={"old_assigned": drift.recorded, "new_assigned": drift.actual},
            )
            for drift in drifts
        ]
    )
    return drifts
