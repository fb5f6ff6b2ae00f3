"""The only code that writes licensing data (design.md, "Service layer").

Every function is keyword-only and atomic: it checks the actor's permission, locks the pools it touches
in primary-key order (one lock order everywhere, so no deadlocks), re-reads, checks, raises a domain error
before any write, then writes rows, counters (F() expressions) and audit events in the same transaction.

`actor=None` means the system or a shell operator; `actor_label` then names them in the audit log.
"""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, F
from django.utils import timezone

from accounts.models import User
from accounts.permissions import (
    admin_scope,
    require_admin,
    require_license_management,
    require_quantity_change,
    require_subscription_status_change,
)

from .choices import ASSIGNABLE_STATUSES, STATUS_TRANSITIONS, AuditAction, Source, SubscriptionStatus
from .exceptions import (
    NotEnoughLicenses,
    ProductNotInSubscription,
    QuantityBelowAssigned,
    StatusChangeNotAllowed,
    SubscriptionNotActive,
    ValidationFailed,
)
from .models import AuditEvent, LicenseAssignment, LicensePool, Product, Subscription

BATCH_SIZE = 2000
# Keeps `IN (...)` lists well under SQLite's limit on query parameters.
ID_CHUNK = 5000


@dataclass
class LicenseChange:
    """What one user's change did: the products added and removed (unchanged ones are not listed)."""

    added: list[Product] = field(default_factory=list)
    removed: list[Product] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed)


@dataclass
class BulkResult:
    """Per-user outcome of a bulk operation, by user id: "assigned", "already_assigned", "unassigned",
    "not_assigned"."""

    outcomes: dict[int, str]
    changed: int

    @property
    def unchanged(self) -> int:
        return len(self.outcomes) - self.changed


# --- audit -------------------------------------------------------------------------------------------


def audit_event_new(
    *,
    actor: User | None,
    actor_label: str = "",
    action: str,
    source: str,
    subject_user: User | None = None,
    subscription: Subscription | None = None,
    product: Product | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """An unsaved audit event with the snapshots filled in; `audit_record` saves a batch of them."""
    if source not in Source.values:
        raise ValidationFailed(f"Unknown source {source!r}.", source=source)
    return AuditEvent(
        actor=actor,
        actor_label=actor.email if actor is not None else (actor_label or "system"),
        action=action,
        source=source,
        subject_user=subject_user,
        subject_user_label=subject_user.email if subject_user is not None else "",
        subscription=subscription,
        subscription_label=subscription.name if subscription is not None else "",
        product=product,
        product_label=product.sku_part_number if product is not None else "",
        details=details or {},
    )


def audit_record_one(action: str, *, actor: User | None, actor_label: str, source: str, **subjects: Any) -> None:
    """Record one audit event (subjects: subject_user, subscription, product, details) in the caller's transaction."""
    audit_record([audit_event_new(actor=actor, actor_label=actor_label, action=action, source=source, **subjects)])


def audit_record(events: Sequence[AuditEvent]) -> None:
    """Save audit events; callers are inside the transaction of the change the events record."""
    AuditEvent.objects.bulk_create(events, batch_size=BATCH_SIZE)


# --- helpers -----------------------------------------------------------------------------------------


def _locked_pools(subscription: Subscription, product_ids: Iterable[int]) -> list[LicensePool]:
    """Lock the pools of these products in this subscription, in primary-key order."""
    return list(
        LicensePool.objects.select_for_update(of=("self",))
        .select_related("product")
        .filter(subscription=subscription, product_id__in=set(product_ids))
        .order_by("pk")
    )


def _lock_users(user_ids: Iterable[int]) -> None:
    """Serialise changes to these users' licenses: a user's licenses change only while their row is locked, so
    a desired set (or the API's If-Match) is checked against exactly what they hold.

    Lock order everywhere: users in primary-key order, then pools in primary-key order. NO KEY UPDATE does not
    conflict with the KEY SHARE lock that inserting an assignment takes on a user row.
    """
    for chunk in _chunks(sorted(set(user_ids))):
        list(User.objects.select_for_update(no_key=True).filter(pk__in=chunk).order_by("pk").values_list("pk"))


def _lock_user(user: User) -> None:
    _lock_users([user.pk])


def _require_assignable(subscription: Subscription) -> None:
    status = Subscription.objects.values_list("status", flat=True).get(pk=subscription.pk)
    if status not in ASSIGNABLE_STATUSES:
        raise SubscriptionNotActive(subscription=subscription.name, status=status)


def _chunks(items: Sequence, size: int = ID_CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- one user ----------------------------------------------------------------------------------------


@transaction.atomic
def user_licenses_change(
    *,
    actor: User | None,
    user: User,
    subscription: Subscription,
    add: Iterable[Product] = (),
    remove: Iterable[Product] = (),
    source: str,
    actor_label: str = "",
) -> LicenseChange:
    """Add and remove licenses of one user in one subscription, all or nothing.

    Adding a license the user holds, or removing one they don't, changes nothing and is not an error.
    """
    require_license_management(actor, subscription.pk)
    add_ids = {product.pk for product in add}
    remove_ids = {product.pk for product in remove}
    both = add_ids & remove_ids
    if both:
        skus = sorted(Product.objects.filter(pk__in=both).values_list("sku_part_number", flat=True))
        raise ValidationFailed("A product cannot be both added and removed in one change.", skus=skus)
    if not add_ids and not remove_ids:
        return LicenseChange()

    _lock_user(user)
    pools = _locked_pools(subscription, add_ids | remove_ids)
    missing = (add_ids | remove_ids) - {pool.product_id for pool in pools}
    if missing:
        skus = sorted(Product.objects.filter(pk__in=missing).values_list("sku_part_number", flat=True))
        raise ProductNotInSubscription(subscription=subscription.name, skus=skus)

    held = set(LicenseAssignment.objects.filter(user=user, pool__in=pools).values_list("pool_id", flat=True))
    to_add = [pool for pool in pools if pool.product_id in add_ids and pool.pk not in held]
    to_remove = [pool for pool in pools if pool.product_id in remove_ids and pool.pk in held]

    if to_add:
        _require_assignable(subscription)
        short = [pool for pool in to_add if pool.available < 1]
        if short:
            pool = short[0]
            raise NotEnoughLicenses(
                sku=pool.product.sku_part_number,
                product=pool.product.name,
                requested=1,
                available=pool.available,
                shortfalls=[
                    {"sku": p.product.sku_part_number, "requested": 1, "available": p.available} for p in short
                ],
            )

    if to_add:
        LicenseAssignment.objects.bulk_create(
            [LicenseAssignment(pool=pool, user=user, assigned_by=actor) for pool in to_add]
        )
        LicensePool.objects.filter(pk__in=[pool.pk for pool in to_add]).update(assigned=F("assigned") + 1)
    if to_remove:
        LicenseAssignment.objects.filter(user=user, pool__in=to_remove).delete()
        LicensePool.objects.filter(pk__in=[pool.pk for pool in to_remove]).update(assigned=F("assigned") - 1)

    events = [
        audit_event_new(
            actor=actor,
            actor_label=actor_label,
            action=action,
            source=source,
            subject_user=user,
            subscription=subscription,
            product=pool.product,
        )
        for action, changed_pools in (
            (AuditAction.LICENSE_ASSIGNED, to_add),
            (AuditAction.LICENSE_UNASSIGNED, to_remove),
        )
        for pool in changed_pools
    ]
    audit_record(events)
    return LicenseChange(added=[pool.product for pool in to_add], removed=[pool.product for pool in to_remove])


@transaction.atomic
def user_licenses_set(
    *,
    actor: User | None,
    user: User,
    subscription: Subscription,
    products: Iterable[Product],
    source: str,
    actor_label: str = "",
) -> LicenseChange:
    """Make `products` exactly the licenses `user` holds in `subscription` (the dialog's Save)."""
    require_license_management(actor, subscription.pk)
    _lock_user(user)
    desired = {product.pk: product for product in products}
    held = {
        assignment.pool.product_id: assignment.pool.product
        for assignment in LicenseAssignment.objects.filter(user=user, pool__subscription=subscription).select_related(
            "pool__product"
        )
    }
    return user_licenses_change(
        actor=actor,
        user=user,
        subscription=subscription,
        add=[product for pk, product in desired.items() if pk not in held],
        remove=[product for pk, product in held.items() if pk not in desired],
        source=source,
        actor_label=actor_label,
    )


# --- many users, one product ---------------------------------------------------------------------------


def _lock_for_bulk(
    actor: User | None, subscription: Subscription, product: Product, users: Sequence[User]
) -> LicensePool:
    """Check the actor's role, lock the users and then the pool (the one lock order), and return the pool."""
    require_license_management(actor, subscription.pk)
    _lock_users([user.pk for user in users])
    pools = _locked_pools(subscription, [product.pk])
    if not pools:
        raise ProductNotInSubscription(subscription=subscription.name, skus=[product.sku_part_number])
    pool = pools[0]
    pool.subscription = subscription  # for the audit snapshots
    return pool


def _holders(pool: LicensePool, user_ids: Sequence[int]) -> set[int]:
    holders: set[int] = set()
    for chunk in _chunks(user_ids):
        holders.update(LicenseAssignment.objects.filter(pool=pool, user_id__in=chunk).values_list("user_id", flat=True))
    return holders


def _unique_users(users: Iterable[User]) -> list[User]:
    return list({user.pk: user for user in users}.values())


def _bulk_insert(
    *,
    pool: LicensePool,
    user_ids: Sequence[int],
    action: str,
    actor: User | None,
    actor_label: str,
    source: str,
) -> None:
    """Set-based writes for many users: INSERT ... SELECT from the user table, so no model object is built per user.

    Writes the assignment rows (for an assignment) and one audit event per user, with the user's email as snapshot.
    """
    if source not in Source.values:
        raise ValidationFailed(f"Unknown source {source!r}.", source=source)
    now = timezone.now()
    actor_id = actor.pk if actor is not None else None
    label = actor.email if actor is not None else (actor_label or "system")
    qn = connection.ops.quote_name
    users = qn(User._meta.db_table)
    assignments = qn(LicenseAssignment._meta.db_table)
    json = "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"
    with connection.cursor() as cursor:
        for chunk in _chunks(user_ids):
            in_list = ", ".join(["%s"] * len(chunk))
            if action == AuditAction.LICENSE_ASSIGNED:
                cursor.execute(
                    f"INSERT INTO {assignments} (pool_id, user_id, assigned_at, assigned_by_id)"
                    f" SELECT %s, id, %s, %s FROM {users} WHERE id IN ({in_list})",
                    [pool.pk, now, actor_id, *chunk],
                )
            cursor.execute(
                f"INSERT INTO {qn(AuditEvent._meta.db_table)} (occurred_at, actor_id, actor_label, action, source,"
                " subject_user_id, subject_user_label, subscription_id, subscription_label, product_id, product_label,"
                f" details) SELECT %s, %s, %s, %s, %s, id, email, %s, %s, %s, %s, {json} FROM {users}"
                f" WHERE id IN ({in_list})",
                [
                    now,
                    actor_id,
                    label,
                    action,
                    source,
                    pool.subscription.pk,
                    pool.subscription.name,
                    pool.product.pk,
                    pool.product.sku_part_number,
                    '{"bulk": true}',
                    *chunk,
                ],
            )


@transaction.atomic
def licenses_bulk_assign(
    *,
    actor: User | None,
    subscription: Subscription,
    product: Product,
    users: Iterable[User],
    source: str,
    actor_label: str = "",
) -> BulkResult:
    """Assign one product to many users, all or nothing; users who hold it already are left as they are."""
    users = _unique_users(users)
    pool = _lock_for_bulk(actor, subscription, product, users)
    holders = _holders(pool, [user.pk for user in users])
    to_add = [user for user in users if user.pk not in holders]
    if to_add:
        _require_assignable(subscription)
        if len(to_add) > pool.available:
            raise NotEnoughLicenses(
                sku=product.sku_part_number, product=product.name, requested=len(to_add), available=pool.available
            )
        LicensePool.objects.filter(pk=pool.pk).update(assigned=F("assigned") + len(to_add))
        _bulk_insert(
            pool=pool,
            user_ids=[user.pk for user in to_add],
            action=AuditAction.LICENSE_ASSIGNED,
            actor=actor,
            actor_label=actor_label,
            source=source,
        )
    outcomes = {user.pk: ("already_assigned" if user.pk in holders else "assigned") for user in users}
    return BulkResult(outcomes=outcomes, changed=len(to_add))


@transaction.atomic
def licenses_bulk_unassign(
    *,
    actor: User | None,
    subscription: Subscription,
    product: Product,
    users: Iterable[User],
    source: str,
    actor_label: str = "",
) -> BulkResult:
    """Take one product back from many users, all or nothing; users who don't hold it are left as they are."""
    users = _unique_users(users)
    pool = _lock_for_bulk(actor, subscription, product, users)
    holders = _holders(pool, [user.pk for user in users])
    to_remove = [user for user in users if user.pk in holders]
    if to_remove:
        for chunk in _chunks([user.pk for user in to_remove]):
            LicenseAssignment.objects.filter(pool=pool, user_id__in=chunk).delete()
        LicensePool.objects.filter(pk=pool.pk).update(assigned=F("assigned") - len(to_remove))
        _bulk_insert(
            pool=pool,
            user_ids=[user.pk for user in to_remove],
            action=AuditAction.LICENSE_UNASSIGNED,
            actor=actor,
            actor_label=actor_label,
            source=source,
        )
    outcomes = {user.pk: ("unassigned" if user.pk in holders else "not_assigned") for user in users}
    return BulkResult(outcomes=outcomes, changed=len(to_remove))


# --- pools -------------------------------------------------------------------------------------------------


def _require_valid_quantity(quantity: int) -> None:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 0 <= quantity <= LicensePool.MAX_QUANTITY:
        raise ValidationFailed(
            f"The quantity must be a whole number from 0 to {LicensePool.MAX_QUANTITY:,}.",
            quantity=quantity,
            max_quantity=LicensePool.MAX_QUANTITY,
        )


@transaction.atomic
def pool_create(
    *,
    actor: User | None,
    subscription: Subscription,
    product: Product,
    quantity: int,
    source: str,
    actor_label: str = "",
) -> LicensePool:
    """Add a product to a subscription with `quantity` licenses; a product it has already is left as it is."""
    require_quantity_change(actor, subscription.pk)
    _require_valid_quantity(quantity)
    pool, created = LicensePool.objects.get_or_create(
        subscription=subscription, product=product, defaults={"quantity": quantity}
    )
    if created:
        audit_record_one(
            AuditAction.POOL_CREATED,
            actor=actor,
            actor_label=actor_label,
            source=source,
            subscription=subscription,
            product=product,
            details={"quantity": quantity},
        )
    return pool


@transaction.atomic
def pool_set_quantity(
    *, actor: User | None, pool: LicensePool, quantity: int, source: str, actor_label: str = ""
) -> LicensePool:
    """Change how many licenses a pool holds; never below what is assigned."""
    require_quantity_change(actor, pool.subscription_id)
    _require_valid_quantity(quantity)
    locked = (
        LicensePool.objects.select_for_update(of=("self",)).select_related("product", "subscription").get(pk=pool.pk)
    )
    if quantity < locked.assigned:
        raise QuantityBelowAssigned(
            sku=locked.product.sku_part_number, product=locked.product.name, quantity=quantity, assigned=locked.assigned
        )
    old_quantity = locked.quantity
    if quantity != old_quantity:
        LicensePool.objects.filter(pk=locked.pk).update(quantity=quantity)
        audit_record_one(
            AuditAction.QUANTITY_CHANGED,
            actor=actor,
            actor_label=actor_label,
            source=source,
            subscription=locked.subscription,
            product=locked.product,
            details={"old_quantity": old_quantity, "new_quantity": quantity},
        )
        locked.quantity = quantity
    return locked


# --- subscriptions -----------------------------------------------------------------------------------------


@transaction.atomic
def subscription_set_status(
    *, actor: User | None, subscription: Subscription, status: str, source: str, actor_label: str = ""
) -> Subscription:
    """Move a subscription along its lifecycle (STATUS_TRANSITIONS); the same status changes nothing."""
    require_subscription_status_change(actor, subscription.pk)
    if not isinstance(status, str) or status not in SubscriptionStatus.values:
        raise ValidationFailed(
            f"Unknown status {status!r}; use one of {', '.join(SubscriptionStatus.values)}.",
            status=status,
            statuses=SubscriptionStatus.values,
        )
    locked = Subscription.objects.select_for_update().get(pk=subscription.pk)
    old_status = locked.status
    if status == old_status:
        return locked
    allowed = [choice for choice in SubscriptionStatus.values if choice in STATUS_TRANSITIONS[old_status]]
    if status not in allowed:
        raise StatusChangeNotAllowed(
            f"Subscription {locked.name} is {old_status}: it cannot become {status}.",
            subscription=locked.name,
            status=old_status,
            requested=status,
            allowed=allowed,
        )
    ends_on = _end_date_with_status(locked, status, allowed)
    details: dict[str, Any] = {"old": old_status, "new": status}
    if ends_on != locked.ends_on:
        details["ends_on"] = {"old": _iso(locked.ends_on), "new": _iso(ends_on)}
    Subscription.objects.filter(pk=locked.pk).update(status=status, ends_on=ends_on)
    audit_record_one(
        AuditAction.SUBSCRIPTION_STATUS_CHANGED,
        actor=actor,
        actor_label=actor_label,
        source=source,
        subscription=locked,
        details=details,
    )
    locked.status, locked.ends_on = status, ends_on
    return locked


def _end_date_with_status(subscription: Subscription, status: str, allowed: list[str]) -> datetime.date | None:
    """The end date that goes with the new status: expiring ends a subscription today unless it has ended already,
    and reactivating one whose end date has passed clears that date (a renewal's new end date is not known here)."""
    today = timezone.localdate()
    ends_on = subscription.ends_on
    if status == SubscriptionStatus.EXPIRED and (ends_on is None or ends_on > today):
        if subscription.starts_on > today:
            raise StatusChangeNotAllowed(
                f"Subscription {subscription.name} starts on {subscription.starts_on}: it cannot expire before it "
                "starts.",
                subscription=subscription.name,
                status=subscription.status,
                requested=status,
                allowed=[choice for choice in allowed if choice != SubscriptionStatus.EXPIRED],
            )
        return today
    if status == SubscriptionStatus.ACTIVE and ends_on is not None and ends_on < today:
        return None
    return ends_on


def _iso(day: datetime.date | None) -> str | None:
    return day.isoformat() if day is not None else None


@dataclass(frozen=True)
class PoolDrift:
    """A pool whose `assigned` counter disagrees with its assignment rows."""

    pool: LicensePool
    recorded: int
    actual: int


@transaction.atomic
def pools_reconcile(*, actor: User | None, fix: bool, source: str, actor_label: str = "") -> list[PoolDrift]:
    """Compare every pool's counter with its assignment rows; with `fix`, set the counter to the row count.

    The pools are locked in primary-key order while they are counted, so a concurrent change cannot show up as
    drift. A pool with more rows than licenses cannot be fixed by its counter (the database keeps assigned within
    quantity): QuantityBelowAssigned, before any write, says how many to unassign.
    """
    require_admin(actor)
    pools = LicensePool.objects.select_for_update(of=("self",)).select_related("product", "subscription")
    if actor is not None:
        pools = admin_scope(actor).filter_subscriptions(pools, "subscription_id")
    pools = list(pools.order_by("pk"))
    counts = dict(
        LicenseAssignment.objects.filter(pool__in=[pool.pk for pool in pools])
        .values("pool_id")
        .annotate(rows=Count("pk"))
        .values_list("pool_id", "rows")
    )
    drifts = [
        PoolDrift(pool=pool, recorded=pool.assigned, actual=counts.get(pool.pk, 0))
        for pool in pools
        if pool.assigned != counts.get(pool.pk, 0)
    ]
    if not fix or not drifts:
        return drifts
    for drift in drifts:
        require_license_management(actor, drift.pool.subscription_id)
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
                actor=actor,
                actor_label=actor_label,
                action=AuditAction.POOL_RECONCILED,
                source=source,
                subscription=drift.pool.subscription,
                product=drift.pool.product,
                details={"old_assigned": drift.recorded, "new_assigned": drift.actual},
            )
            for drift in drifts
        ]
    )
    return drifts


def user_licenses_lock(*, user: User) -> None:
    """Hold one user's licenses still until the caller's transaction ends, so that it can check a precondition
    (the REST API's If-Match) against exactly the state its change will apply to."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("user_licenses_lock must be called inside transaction.atomic.")
    _lock_user(user)
