"""One product for many users at once, all or nothing, set-based: no model object per user."""

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction

from accounts.models import User
from accounts.permissions import require_license_management
from core.audit import Actor, audit_record_for_users, chunks
from core.choices import AuditAction
from core.errors import LicenseInherited, NotEnoughLicenses, ProductNotInSubscription

from ..assignment_files import ResolvedAssignment
from ..models import LicenseAssignment, LicensePool, Product, Subscription
from ..selectors.assignments import assignable_now
from ..selectors.plans import plans_resolve_many
from .assignments import (
    groups_giving,
    plans_change_details,
    plans_details,
    require_assignable,
    require_not_reclaimed,
    waiting_details,
)
from .holders import assignments_insert, counters_add, group_sourced, line_serve
from .locks import pools_lock, users_lock


@dataclass
class BulkResult:
    """Per-user outcome of a bulk operation, by user id: "assigned", "already_assigned", "plans_changed",
    "unassigned", "not_assigned"."""

    outcomes: dict[int, str]
    changed: int

    @property
    def unchanged(self) -> int:
        return len(self.outcomes) - self.changed


def _locked_pool(by: Actor, subscription: Subscription, product: Product, user_ids: Sequence[int]) -> LicensePool:
    """Check the actor's role, lock the users and then the pool (the one lock order), and return the pool."""
    require_license_management(by.user, subscription.pk)
    users_lock(user_ids)
    pools = pools_lock(subscription, [product.pk])
    if not pools:
        raise ProductNotInSubscription(subscription=subscription.name, skus=[product.sku_part_number])
    return pools[0]


def _held_directly(pool: LicensePool, user_ids: Sequence[int]) -> dict[int, bool]:
    """Which of these users hold the pool's license, and whether directly."""
    held: dict[int, bool] = {}
    for chunk in chunks(user_ids):
        held.update(LicenseAssignment.objects.filter(pool=pool, user_id__any_of=chunk).values_list("user_id", "direct"))
    return held


def _unique_users(users: Iterable[User]) -> list[User]:
    return list({user.pk: user for user in users}.values())


def _audit(
    action: str,
    by: Actor,
    subscription: Subscription,
    pool: LicensePool,
    user_ids: Sequence[int],
    details: dict | None = None,
) -> None:
    if user_ids:
        audit_record_for_users(
            action,
            actor=by,
            user_ids=user_ids,
            details={"bulk": True, **(details or {})},
            subscription=subscription,
            product=pool.product,
        )


def _direct_set(pool: LicensePool, user_ids: Sequence[int], direct: bool, disabled_plans: list[str]) -> None:
    """Add or take away the direct source of these users' licenses, with the plans it switches off."""
    for chunk in chunks(user_ids):
        LicenseAssignment.objects.filter(pool=pool, user_id__any_of=chunk).update(
            direct=direct, disabled_plans=disabled_plans
        )


def _plans_set(
    by: Actor, subscription: Subscription, pool: LicensePool, users: Sequence[int], plans: list[str]
) -> list[int]:
    """Switch off `plans` on the direct assignments of these users (who hold the pool's license directly): one
    license_plans_changed event for each whose plans differ, set-based per distinct former value. Returns the ids
    of those whose plans changed."""
    before: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for chunk in chunks(users):
        rows = LicenseAssignment.objects.filter(pool=pool, user_id__any_of=chunk).exclude(disabled_plans=plans)
        for user_id, disabled in rows.values_list("user_id", "disabled_plans"):
            before[tuple(disabled)].append(user_id)
    for disabled, user_ids in before.items():
        _direct_set(pool, user_ids, True, plans)
        details = plans_change_details(pool.product, list(disabled), plans)
        _audit(AuditAction.LICENSE_PLANS_CHANGED, by, subscription, pool, user_ids, details)
    return [user_id for user_ids in before.values() for user_id in user_ids]


def licenses_bulk_assign(
    *,
    by: Actor,
    subscription: Subscription,
    product: Product,
    users: Iterable[User],
    disabled_plans: Collection[str] | None = None,
) -> BulkResult:
    """Assign one product directly to many users, all or nothing; users who hold it directly already are left as
    they are, and those who have it from a group get a direct assignment too, consuming nothing. Members waiting in
    the pool's line are never passed: while any wait, no new license is assigned.

    `disabled_plans` (service_plan_id strings or names) are the plans off on the direct assignment of every one of
    these users, those who hold it already included ("plans_changed"); without it, new ones have every plan on
    and the others keep theirs."""
    return licenses_bulk_assign_ids(
        by=by,
        subscription=subscription,
        product=product,
        user_ids=[user.pk for user in users],
        disabled_plans=disabled_plans,
    )


@transaction.atomic
def licenses_bulk_assign_ids(
    *,
    by: Actor,
    subscription: Subscription,
    product: Product,
    user_ids: Iterable[int],
    disabled_plans: Collection[str] | None = None,
) -> BulkResult:
    """`licenses_bulk_assign` for users given by id: a caller with hundreds of thousands of users (seed_demo)
    need not build a model object for each."""
    user_ids = list(dict.fromkeys(user_ids))
    plans = plans_resolve_many({product: disabled_plans})[product.pk] if disabled_plans is not None else None
    pool = _locked_pool(by, subscription, product, user_ids)
    held = _held_directly(pool, user_ids)
    to_add = [user_id for user_id in user_ids if user_id not in held]
    made_direct = [user_id for user_id in user_ids if held.get(user_id) is False]
    if to_add:
        require_assignable(subscription)
        for chunk in chunks(to_add):
            reclaimed = User.objects.filter(pk__any_of=chunk, licenses_reclaimed_at__isnull=False)
            require_not_reclaimed(reclaimed.only("email", "user_name", "licenses_reclaimed_at"))
        available = assignable_now(pool)
        if len(to_add) > available:
            raise NotEnoughLicenses(
                sku=product.sku_part_number,
                product=product.name,
                requested=len(to_add),
                available=available,
                **waiting_details(pool),
            )
        counters_add(pool, assigned=len(to_add))
        assignments_insert(pool, to_add, by, direct=True)
        if plans:
            _direct_set(pool, to_add, True, plans)
        _audit(AuditAction.LICENSE_ASSIGNED, by, subscription, pool, to_add, plans_details(plans or []))
    _direct_set(pool, made_direct, True, plans or [])
    _audit(AuditAction.LICENSE_DIRECT_ADDED, by, subscription, pool, made_direct, plans_details(plans or []))
    held_directly = [user_id for user_id in user_ids if held.get(user_id)]
    replanned = _plans_set(by, subscription, pool, held_directly, plans) if plans is not None else []
    outcomes = {user_id: ("already_assigned" if held.get(user_id) else "assigned") for user_id in user_ids}
    outcomes.update(dict.fromkeys(replanned, "plans_changed"))
    return BulkResult(outcomes=outcomes, changed=len(to_add) + len(made_direct) + len(replanned))


@transaction.atomic
def licenses_bulk_unassign(
    *, by: Actor, subscription: Subscription, product: Product, users: Iterable[User]
) -> BulkResult:
    """Take one product's direct assignment back from many users, all or nothing; users who don't hold it are left
    as they are, and those who also have it from a group keep the license. If any user has it only from groups,
    nothing changes (LicenseInherited). The licenses freed go to the pool's line first."""
    users = _unique_users(users)
    pool = _locked_pool(by, subscription, product, [user.pk for user in users])
    held = _held_directly(pool, [user.pk for user in users])
    inherited = [user for user in users if held.get(user.pk) is False]
    if inherited:
        raise LicenseInherited(
            sku=product.sku_part_number,
            product=product.name,
            user=inherited[0].label,
            groups=groups_giving(user=inherited[0], pool=pool),
        )
    removing = [user.pk for user in users if held.get(user.pk)]
    group_backed: set[int] = set()
    for chunk in chunks(removing):
        group_backed.update(
            LicenseAssignment.objects.filter(pool=pool, user_id__any_of=chunk)
            .filter(group_sourced(pool))
            .values_list("user_id", flat=True)
        )
    to_remove = [user_id for user_id in removing if user_id not in group_backed]
    made_inherited = [user_id for user_id in removing if user_id in group_backed]
    for chunk in chunks(to_remove):
        LicenseAssignment.objects.filter(pool=pool, user_id__any_of=chunk).delete()
    counters_add(pool, assigned=-len(to_remove))
    _audit(AuditAction.LICENSE_UNASSIGNED, by, subscription, pool, to_remove)
    _direct_set(pool, made_inherited, False, [])
    _audit(AuditAction.LICENSE_DIRECT_REMOVED, by, subscription, pool, made_inherited)
    line_serve(by=by, pool=pool)
    outcomes = {user.pk: ("unassigned" if user.pk in held else "not_assigned") for user in users}
    return BulkResult(outcomes=outcomes, changed=len(removing))


@dataclass(frozen=True)
class FileChange:
    """One group of an assignments file applied: an action on one product of one subscription for some users."""

    action: str
    subscription: Subscription
    product: Product
    result: BulkResult


@transaction.atomic
def assignments_apply(
    *, by: Actor, rows: Iterable[ResolvedAssignment], progress: Callable[[int], None] = lambda done: None
) -> list[FileChange]:
    """The rows of an assignments file (licensing.assignment_files), all or nothing: one bulk assign or unassign per
    action, subscription and product. Unassignments come first, so that a file moving licenses frees them before it
    hands them out. `progress` is told how many rows are done."""
    services = {"unassign": licenses_bulk_unassign, "assign": licenses_bulk_assign}
    groups: dict[tuple, list[ResolvedAssignment]] = defaultdict(list)
    for row in rows:
        groups[(list(services).index(row.action), row.subscription.name, row.product.sku_part_number)].append(row)
    changes = []
    for key in sorted(groups):
        group = groups[key]
        action, subscription, product = group[0].action, group[0].subscription, group[0].product
        result = services[action](by=by, subscription=subscription, product=product, users=[row.user for row in group])
        changes.append(FileChange(action, subscription, product, result))
        progress(len(group))
    return changes
