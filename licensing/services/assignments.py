"""One user's licenses in one subscription: add and remove (Graph's assignLicense), or set exactly (the dialog)."""

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F, Q, QuerySet

from accounts.models import Group, User
from accounts.permissions import require_license_management
from accounts.services.locks import user_locked
from core.audit import Actor, audit_event_new, audit_write
from core.choices import AuditAction
from core.errors import (
    LicenseInherited,
    LicensesReclaimed,
    NotEnoughLicenses,
    NotFound,
    PreconditionFailed,
    ProductNotInSubscription,
    SubscriptionNotActive,
    ValidationFailed,
)
from core.sql import statement_once
from core.writes import Write, delete_write, insert_write, update_write_once, writes_run

from ..choices import ASSIGNABLE_STATUSES
from ..models import LicenseAssignment, LicensePool, Product, ServicePlan, Subscription
from ..selectors.assignments import user_licenses_version
from ..selectors.plans import plans_off_from_on, plans_resolve_many
from .holders import line_serve
from .locks import plans_known, pools_holding, pools_lock


@dataclass
class LicenseChange:
    """What one change did: the products added and removed, and those whose plans alone changed (unchanged ones
    are not listed)."""

    added: list[Product] = field(default_factory=list)
    removed: list[Product] = field(default_factory=list)
    plans_changed: list[Product] = field(default_factory=list)
    user: User | None = None  # the user changed, as read under their lock
    subscription: Subscription | None = None  # theirs, as read with the pools locked

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed or self.plans_changed)


def require_assignable(subscription: Subscription) -> None:
    """Licenses are assigned only in an active subscription or one in its grace period (read under the pool lock)."""
    require_status_assignable(
        subscription.name, Subscription.objects.values_list("status", flat=True).get(pk=subscription.pk)
    )


def require_status_assignable(name: str, status: str) -> None:
    if status not in ASSIGNABLE_STATUSES:
        raise SubscriptionNotActive(subscription=name, status=status)


def subscription_of(pools: list[LicensePool], subscription_id: int) -> Subscription:
    """The subscription of `subscription_id` as read with its `pools` (locks.pools_holding), or on its own where
    none were locked; NotFound when it does not exist."""
    subscription = pools[0].subscription if pools else Subscription.objects.filter(pk=subscription_id).first()
    if subscription is None:
        raise NotFound("Subscription not found.")
    return subscription


def require_not_reclaimed(users: Iterable[User]) -> None:
    """A disabled account whose licenses were reclaimed gets none directly until it is enabled again (read under
    the users' locks)."""
    reclaimed = sorted(user.label for user in users if user.licenses_reclaimed_at is not None)
    if reclaimed:
        raise LicensesReclaimed(users=reclaimed)


def product_ids_apart(add: Iterable[Product], remove: Iterable[Product]) -> tuple[set[int], set[int]]:
    """The ids of the products to add and to remove; a product on both lists is a validation_error."""
    add_ids = {product.pk for product in add}
    remove_ids = {product.pk for product in remove}
    if add_ids & remove_ids:
        raise ValidationFailed(
            "A product cannot be both added and removed in one change.", skus=product_skus(add_ids & remove_ids)
        )
    return add_ids, remove_ids


def plans_wanted(
    disabled_plans: Mapping[Product, Collection[str]] | None,
    remove_ids: Collection[int],
    *,
    enabled_plans: Mapping[Product, Collection[str]] | None = None,
    known: Mapping[int, list[ServicePlan]] | None = None,
) -> dict[int, list[str]]:
    """The disabled plans asked for, as stored (sorted service_plan_id strings) by product id (with
    `enabled_plans`: every plan of those products but the ones named); a plan that is no plan of its product, or
    plans of a product being removed, are a validation_error. `known`: the products' plans already read (by
    product id; locks.plans_known), so that they are not read again."""
    if enabled_plans is not None:
        wanted = plans_off_from_on(enabled_plans, known)
    else:
        wanted = plans_resolve_many(disabled_plans or {}, known)
    if set(wanted) & set(remove_ids):
        raise ValidationFailed(
            "A product being removed has no plans to set.", skus=product_skus(set(wanted) & set(remove_ids))
        )
    return wanted


def require_plans_settable(wanted: Mapping[int, list[str]], settable: Collection[int], *, whose: str) -> None:
    """Plans are set on a license being added or already held by the source changed (`settable`, product ids)."""
    unheld = set(wanted) - set(settable)
    if unheld:
        raise ValidationFailed(
            f"Service plans can only be set on a license {whose} has or is given in the same change.",
            skus=product_skus(unheld),
        )


def plans_details(disabled_plans: list[str]) -> dict[str, list[str]]:
    """What a license_assigned (or group_license_added) event says of plans: nothing when all are on."""
    return {"disabled_plans": disabled_plans} if disabled_plans else {}


def product_skus(product_ids: Iterable[int]) -> list[str]:
    """The part numbers of these products, for an error; an id of no product is named as such."""
    product_ids = set(product_ids)
    found = dict(Product.objects.filter(pk__in=product_ids).values_list("pk", "sku_part_number"))
    return sorted(found.get(product_id, f"no product {product_id}") for product_id in product_ids)


def require_version(by: Actor, user: User, expected_versions: Collection[str] | None) -> None:
    """Refuse a change built on a stale read: the user's licenses, as `by` sees them, must still be at one of
    `expected_versions` (checked under the user's lock, so the change applies to exactly that state)."""
    if expected_versions is None:
        return
    current = user_licenses_version(user=user, actor=by.user)
    if current not in expected_versions:
        raise PreconditionFailed(
            "The licenses changed since you read them: read them again and retry.",
            etag=current,  # the version a read returns now, as the API's ETag
            expected=sorted(expected_versions),
        )


@transaction.atomic
def user_licenses_change(
    *,
    by: Actor,
    user: User,
    subscription: Subscription,
    add: Iterable[Product] = (),
    remove: Iterable[Product] = (),
    expected_versions: Collection[str] | None = None,
    disabled_plans: Mapping[Product, Collection[str]] | None = None,
) -> LicenseChange:
    """Add and remove direct assignments of one user in one subscription, all or nothing.

    Adding a product the user has from a group makes it direct too (no license is consumed); removing a direct
    one they also have from a group keeps the license; removing one they have only from groups is refused
    (LicenseInherited). A direct assignment never passes members waiting in the pool's line. A license freed
    goes to the first of them. Adding a license the user holds directly, or removing one they don't hold,
    changes nothing and is not an error. With
    `expected_versions` the change is refused (PreconditionFailed) unless the user's licenses are still at one of
    those versions (`selectors.assignments.user_licenses_version`).

    `disabled_plans` sets the plans switched off on the direct source of products being added or already held
    directly (service_plan_id strings or names); the products it does not name keep theirs, and new ones have all
    on. Changing only a license's plans changes no counter (one license_plans_changed event).
    """
    require_license_management(by.user, subscription.pk)
    add_ids, remove_ids = product_ids_apart(add, remove)
    wanted = plans_wanted(disabled_plans, remove_ids)
    if not add_ids and not remove_ids and not wanted and expected_versions is None:
        return LicenseChange()
    return _change_locked(
        by=by,
        user=user_locked(user.pk),
        subscription=subscription,
        add_ids=add_ids,
        remove_ids=remove_ids,
        wanted=wanted,
        expected_versions=expected_versions,
    )


def _change_locked(
    *,
    by: Actor,
    user: User,
    subscription: Subscription,
    add_ids: set[int],
    remove_ids: set[int],
    wanted: Mapping[int, list[str]],
    expected_versions: Collection[str] | None,
) -> LicenseChange:
    """user_licenses_change once `user` is locked (and read under the lock)."""
    require_version(by, user, expected_versions)
    if not add_ids and not remove_ids and not wanted:
        return LicenseChange()
    pools = pools_lock(subscription, add_ids | remove_ids | set(wanted), held_by=user)
    missing = (add_ids | remove_ids | set(wanted)) - {pool.product_id for pool in pools}
    if missing:
        raise ProductNotInSubscription(subscription=subscription.name, skus=product_skus(missing))
    return licenses_apply(
        by=by,
        user=user,
        subscription=subscription,
        pools=pools,
        add_ids=add_ids,
        remove_ids=remove_ids,
        wanted=wanted,
    )


def licenses_apply(
    *,
    by: Actor,
    user: User,
    subscription: Subscription,
    pools: list[LicensePool],
    add_ids: set[int],
    remove_ids: set[int],
    wanted: Mapping[int, list[str]],
) -> LicenseChange:
    """The change of user_licenses_change, in the caller's transaction, once `user` (read under its lock) and
    `pools` (the subscription's pools of every product named, locks.with_holding `user`) are locked."""
    rows = {
        pool.pk: LicenseAssignment(
            pk=pool.held_id, pool=pool, user=user, direct=pool.held_direct, disabled_plans=pool.held_plans
        )
        for pool in pools
        if pool.held_id is not None
    }
    direct_of = {pool_id: row.direct for pool_id, row in rows.items()}
    require_plans_settable(
        wanted, add_ids | {pool.product_id for pool in pools if direct_of.get(pool.pk)}, whose="the user"
    )
    to_add = [pool for pool in pools if pool.product_id in add_ids and pool.pk not in direct_of]
    made_direct = [pool for pool in pools if pool.product_id in add_ids and direct_of.get(pool.pk) is False]
    replanned = [
        pool
        for pool in pools
        if direct_of.get(pool.pk)
        and pool.product_id in wanted
        and rows[pool.pk].disabled_plans != wanted[pool.product_id]
    ]
    removing = [pool for pool in pools if pool.product_id in remove_ids and pool.pk in direct_of]
    inherited = [pool for pool in removing if not direct_of[pool.pk]]
    if inherited:
        raise LicenseInherited(
            sku=inherited[0].product.sku_part_number,
            product=inherited[0].product.name,
            user=user.label,
            groups=groups_giving(user=user, pool=inherited[0]),
        )
    to_remove = [pool for pool in removing if not pool.from_group]
    made_inherited = [pool for pool in removing if pool.from_group]
    writes: list[Write] = []

    if to_add:
        # The status read with the pools; the counters' update below checks it again, read after the locks.
        require_status_assignable(subscription.name, to_add[0].subscription.status)
        require_not_reclaimed([user])
        short = [pool for pool in to_add if pool.available < 1 or pool.pending > 0]
        if short:
            raise NotEnoughLicenses(
                sku=short[0].product.sku_part_number,
                product=short[0].product.name,
                requested=1,
                available=short[0].available,
                **waiting_details(short[0]),
                shortfalls=[
                    {"sku": p.product.sku_part_number, "requested": 1, "available": p.available, **waiting_details(p)}
                    for p in short
                ],
            )
        # Written with the audit events below, in one round trip where the database allows (core/writes.py).
        writes += [
            insert_write(
                [
                    LicenseAssignment(
                        pool=pool, user=user, assigned_by=by.user, disabled_plans=wanted.get(pool.product_id, [])
                    )
                    for pool in to_add
                ]
            ),
            counters_write(to_add, +1, only_assignable=True),
        ]
    plans_before = {pool.pk: rows[pool.pk].disabled_plans for pool in replanned}
    # The direct source's plans start all on (or as asked) when it is added, and go when it goes.
    for pool in made_direct + made_inherited + replanned:
        rows[pool.pk].direct = pool not in made_inherited
        rows[pool.pk].disabled_plans = wanted.get(pool.product_id, []) if rows[pool.pk].direct else []
    if made_direct or made_inherited or replanned:
        LicenseAssignment.objects.bulk_update(
            [rows[pool.pk] for pool in made_direct + made_inherited + replanned], ["direct", "disabled_plans"]
        )
    if to_remove:
        writes += [
            delete_write(LicenseAssignment.objects.filter(user=user, pool__in=to_remove)),
            counters_write(to_remove, -1),
        ]
        for pool in to_remove:
            pool.assigned -= 1  # as the line below serves it

    events = (
        [
            audit_event_new(
                action,
                actor=by,
                subject_user=user,
                subscription=subscription,
                product=pool.product,
                details=plans_details(wanted.get(pool.product_id, [])),
            )
            for action, changed_pools in (
                (AuditAction.LICENSE_ASSIGNED, to_add),
                (AuditAction.LICENSE_DIRECT_ADDED, made_direct),
            )
            for pool in changed_pools
        ]
        + [
            audit_event_new(action, actor=by, subject_user=user, subscription=subscription, product=pool.product)
            for action, changed_pools in (
                (AuditAction.LICENSE_UNASSIGNED, to_remove),
                (AuditAction.LICENSE_DIRECT_REMOVED, made_inherited),
            )
            for pool in changed_pools
        ]
        + [
            audit_event_new(
                AuditAction.LICENSE_PLANS_CHANGED,
                actor=by,
                subject_user=user,
                subscription=subscription,
                product=pool.product,
                details=plans_change_details(pool.product, plans_before[pool.pk], wanted[pool.product_id]),
            )
            for pool in replanned
        ]
    )
    if events:
        counts = writes_run([*writes, audit_write(events)])
        if to_add and counts[1] < len(to_add):  # the counters' update (the add's second write) missed a pool
            # The status changed while the pools were being locked: refused, and rolled back with the rest.
            status = Subscription.objects.values_list("status", flat=True).get(pk=subscription.pk)
            raise SubscriptionNotActive(subscription=subscription.name, status=status)
    for pool in to_remove:
        line_serve(by=by, pool=pool)
    return LicenseChange(
        user=user,
        subscription=subscription,
        added=[pool.product for pool in to_add + made_direct],
        removed=[pool.product for pool in to_remove + made_inherited],
        plans_changed=[pool.product for pool in replanned],
    )


def counters_write(pools: list[LicensePool], delta: int, *, only_assignable: bool = False) -> Write:
    """The UPDATE of these pools' `assigned` counters by `delta` (with `only_assignable`: of those whose
    subscription allows assignment, checked by the UPDATE itself), compiled once (core.writes.update_write_once)."""

    def build(pool_ids: list[int]) -> tuple[QuerySet, dict]:
        rows = LicensePool.objects.filter(pk__in=pool_ids)
        if only_assignable:
            rows = rows.filter(subscription__status__in=ASSIGNABLE_STATUSES)
        return rows, {"assigned": F("assigned") + delta}

    key = ("counters moved", delta, only_assignable)
    return update_write_once(LicensePool, key, build, pool_ids=[pool.pk for pool in pools])


def plans_change_details(product: Product, before: list[str], after: list[str]) -> dict[str, object]:
    """A plans-changed event's details: the product and its disabled plans before and after."""
    return {"sku": product.sku_part_number, "disabled_plans_before": before, "disabled_plans_after": after}


def waiting_details(pool: LicensePool) -> dict[str, int]:
    """How many members wait in the pool's line, for an error's details (nothing when none do)."""
    return {"waiting": pool.pending} if pool.pending else {}


def groups_giving(*, user: User, pool: LicensePool) -> list[dict]:
    """The groups through which `user` has `pool`'s license, as error details name them."""
    groups = Group.objects.filter(memberships__user=user, licenses__pool=pool).order_by("name")
    return [{"id": group.pk, "name": group.name} for group in groups]


def pools_held_directly(user_id: int) -> QuerySet:
    """The ids of the pools `user_id` holds a license of directly, as a subquery: a set's pools besides those it
    names, for the set may take them away."""
    return LicenseAssignment.objects.filter(user_id=user_id, direct=True).values("pool_id")


def pools_lock_for_set(user: User, subscription_id: int, product_ids: Collection[int]) -> list[LicensePool]:
    """Lock the subscription's pools of `product_ids` and of the products `user` holds directly, and read them with
    the user's licenses of them (locks.pools_holding): the pools of a set. The locking statement is compiled once
    (core.sql.statement_once), as the dialog's every Save runs it."""

    def locking(user_id: list[int], subscription_id: list[int], product_ids: list[int]) -> QuerySet:
        wanted = Q(product_id__in=product_ids) | Q(pk__in=pools_held_directly(user_id[0]))
        pools = LicensePool.objects.filter(wanted, subscription_id=subscription_id[0])
        return pools.select_for_update(of=("self",)).order_by("pk").values_list("pk")

    rows = statement_once(
        LicensePool,
        "pools of a set",
        locking,
        user_id=[user.pk],
        subscription_id=[subscription_id],
        product_ids=sorted(product_ids),
    )
    return pools_holding([pool_id for (pool_id,) in rows], user)


@transaction.atomic
def user_licenses_set(
    *,
    by: Actor,
    user: User,
    subscription: Subscription,
    products: Iterable[Product],
    expected_versions: Collection[str] | None = None,
    disabled_plans: Mapping[Product, Collection[str]] | None = None,
    enabled_plans: Mapping[Product, Collection[str]] | None = None,
    keep_inherited: bool = False,
) -> LicenseChange:
    """Make `products` exactly the licenses assigned to `user` directly in `subscription` (the dialog's Save, the
    API's PUT); the licenses they have from groups stay as they are. Only the ids of `user`, `subscription` and
    `products` (and of the products keying the plans) are used: the user is read under their lock (NotFound once
    deleted) and returned as the change's `user`, the subscription and the products with the pools locked (the
    change's `subscription`; NotFound for no subscription, ProductNotInSubscription for a product it has no pool
    of, or that does not exist). `disabled_plans` as for user_licenses_change, for any
    of `products`; or `enabled_plans`, the plans to leave on (the dialog's switches), every other plan of the
    product then off. With `keep_inherited` (the dialog, whose checkboxes of those products are locked), a
    product the user has or waits for from a group keeps its direct assignment as it is, whatever `products`
    says: kept if there is one, never added."""
    require_license_management(by.user, subscription.pk)
    locked = user_locked(user.pk)
    require_version(by, locked, expected_versions)
    desired = {product.pk for product in products}
    pools = pools_lock_for_set(locked, subscription.pk, desired)
    subscription = subscription_of(pools, subscription.pk)
    read = {pool.product_id: pool.product for pool in pools}  # the products, as read with their pools
    named = desired | {product.pk for plans in (disabled_plans, enabled_plans) for product in plans or ()}
    missing = named - set(read)
    if missing:
        raise ProductNotInSubscription(subscription=subscription.name, skus=product_skus(missing))

    def as_read(plans: Mapping[Product, Collection[str]] | None) -> dict | None:
        return None if plans is None else {read[product.pk]: names for product, names in plans.items()}

    held = {pool.product_id for pool in pools if pool.held_direct}
    if keep_inherited:
        inherited = {pool.product_id for pool in pools if pool.from_group}
        desired = (desired - inherited) | (held & inherited)
    add_ids, remove_ids = desired - held, held - desired
    wanted = plans_wanted(
        as_read(disabled_plans), remove_ids, enabled_plans=as_read(enabled_plans), known=plans_known(pools)
    )
    if keep_inherited:  # nor do their plans change, but where the direct assignment is kept
        wanted = {product_id: plans for product_id, plans in wanted.items() if product_id in desired}
    return licenses_apply(
        by=by,
        user=locked,
        subscription=subscription,
        pools=pools,
        add_ids=add_ids,
        remove_ids=remove_ids,
        wanted=wanted,
    )
