"""One product for many users at once, all or nothing, set-based: no model object per user."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from accounts.permissions import require_license_management
from core.audit import Actor, audit_record_for_users, chunks
from core.choices import AuditAction
from core.errors import NotEnoughLicenses, ProductNotInSubscription

from ..models import LicenseAssignment, LicensePool, Product, Subscription
from .assignments import require_assignable
from .locks import pools_lock, users_lock


@dataclass
class BulkResult:
    """Per-user outcome of a bulk operation, by user id: "assigned", "already_assigned", "unassigned",
    "not_assigned"."""

    outcomes: dict[int, str]
    changed: int

    @property
    def unchanged(self) -> int:
        return len(self.outcomes) - self.changed


def _locked_pool(by: Actor, subscription: Subscription, product: Product, users: Sequence[User]) -> LicensePool:
    """Check the actor's role, lock the users and then the pool (the one lock order), and return the pool."""
    require_license_management(by.user, subscription.pk)
    users_lock([user.pk for user in users])
    pools = pools_lock(subscription, [product.pk])
    if not pools:
        raise ProductNotInSubscription(subscription=subscription.name, skus=[product.sku_part_number])
    return pools[0]


def _holders(pool: LicensePool, user_ids: Sequence[int]) -> set[int]:
    holders: set[int] = set()
    for chunk in chunks(user_ids):
        holders.update(LicenseAssignment.objects.filter(pool=pool, user_id__in=chunk).values_list("user_id", flat=True))
    return holders


def _unique_users(users: Iterable[User]) -> list[User]:
    return list({user.pk: user for user in users}.values())


def _assignments_insert(pool: LicensePool, user_ids: Sequence[int], by: Actor) -> None:
    """INSERT ... SELECT from the user table: the assignment rows of many users in one statement per chunk."""
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        for chunk in chunks(user_ids):
            cursor.execute(
                f"INSERT INTO {qn(LicenseAssignment._meta.db_table)} (pool_id, user_id, assigned_at, assigned_by_id)"
                f" SELECT %s, id, %s, %s FROM {qn(User._meta.db_table)} WHERE id IN ({', '.join(['%s'] * len(chunk))})",
                [pool.pk, timezone.now(), by.user.pk if by.user is not None else None, *chunk],
            )


def _audit(action: str, by: Actor, subscription: Subscription, pool: LicensePool, user_ids: Sequence[int]) -> None:
    audit_record_for_users(
        action, actor=by, user_ids=user_ids, details={"bulk": True}, subscription=subscription, product=pool.product
    )


@transaction.atomic
def licenses_bulk_assign(
    *, by: Actor, subscription: Subscription, product: Product, users: Iterable[User]
) -> BulkResult:
    """Assign one product to many users, all or nothing; users who hold it already are left as they are."""
    users = _unique_users(users)
    pool = _locked_pool(by, subscription, product, users)
    holders = _holders(pool, [user.pk for user in users])
    to_add = [user.pk for user in users if user.pk not in holders]
    if to_add:
        require_assignable(subscription)
        if len(to_add) > pool.available:
            raise NotEnoughLicenses(
                sku=product.sku_part_number, product=product.name, requested=len(to_add), available=pool.available
            )
        LicensePool.objects.filter(pk=pool.pk).update(assigned=F("assigned") + len(to_add))
        _assignments_insert(pool, to_add, by)
        _audit(AuditAction.LICENSE_ASSIGNED, by, subscription, pool, to_add)
    outcomes = {user.pk: ("already_assigned" if user.pk in holders else "assigned") for user in users}
    return BulkResult(outcomes=outcomes, changed=len(to_add))


@transaction.atomic
def licenses_bulk_unassign(
    *, by: Actor, subscription: Subscription, product: Product, users: Iterable[User]
) -> BulkResult:
    """Take one product back from many users, all or nothing; users who don't hold it are left as they are."""
    users = _unique_users(users)
    pool = _locked_pool(by, subscription, product, users)
    holders = _holders(pool, [user.pk for user in users])
    to_remove = [user.pk for user in users if user.pk in holders]
    if to_remove:
        for chunk in chunks(to_remove):
            LicenseAssignment.objects.filter(pool=pool, user_id__in=chunk).delete()
        LicensePool.objects.filter(pk=pool.pk).update(assigned=F("assigned") - len(to_remove))
        _audit(AuditAction.LICENSE_UNASSIGNED, by, subscription, pool, to_remove)
    outcomes = {user.pk: ("unassigned" if user.pk in holders else "not_assigned") for user in users}
    return BulkResult(outcomes=outcomes, changed=len(to_remove))
