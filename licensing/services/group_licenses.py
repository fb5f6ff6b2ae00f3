"""Group licenses (README, "Group licenses"): a group holds pools, and every member holds their licenses or waits
for one. Changing a group's licenses, and following every change of memberships, in the same transaction."""

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence

from django.db import transaction
from django.db.models import QuerySet

from accounts.models import Group, GroupMembership
from accounts.permissions import require_license_management
from accounts.services.locks import group_lock, groups_write_lock
from accounts.services.memberships import group_details
from core.audit import Actor, audit_event_new, audit_record
from core.choices import AuditAction
from core.errors import PreconditionFailed, ProductNotInSubscription

from ..models import GroupLicense, LicenseAssignment, LicensePool, PendingLicense, Product, Subscription
from ..selectors.groups import group_licenses_version
from .assignments import (
    LicenseChange,
    plans_change_details,
    plans_details,
    plans_wanted,
    product_ids_apart,
    product_skus,
    require_plans_settable,
)
from .holders import group_sources_sync
from .locks import pools_lock, pools_lock_all


@transaction.atomic
def group_licenses_change(
    *,
    by: Actor,
    group: Group,
    subscription: Subscription,
    add: Iterable[Product] = (),
    remove: Iterable[Product] = (),
    expected_versions: Collection[str] | None = None,
    disabled_plans: Mapping[Product, Collection[str]] | None = None,
) -> LicenseChange:
    """Add and remove a group's products in one subscription, all or nothing. A product added gives every member
    its license, or a place in the pool's line; one removed takes the license from the members who have no other
    source, and the licenses freed go to the line. Adding a product the group has, or removing one it hasn't,
    changes nothing.

    `disabled_plans` sets the plans the group switches off on its members' licenses, for products being added or
    already held (service_plan_id strings or names); the others keep theirs, new ones have all on. Members who wait
    get them when served (they are read from the group license, never copied). No counter changes with plans."""
    require_license_management(by.user, subscription.pk)
    add_ids, remove_ids = product_ids_apart(add, remove)
    wanted = plans_wanted(disabled_plans, remove_ids)
    groups_write_lock()  # memberships of dynamic groups change under the groups' SHARE lock: see each other
    group = group_lock(group.pk)
    if expected_versions is not None and (current := group_licenses_version(group)) not in expected_versions:
        raise PreconditionFailed(
            "The group's licenses changed since you read them: read them again and retry.",
            etag=current,
            expected=sorted(expected_versions),
        )
    pools = pools_lock(subscription, add_ids | remove_ids | set(wanted))
    missing = (add_ids | remove_ids | set(wanted)) - {pool.product_id for pool in pools}
    if missing:
        raise ProductNotInSubscription(subscription=subscription.name, skus=product_skus(missing))
    held = {row.pool_id: row for row in GroupLicense.objects.filter(group=group, pool__in=pools)}
    require_plans_settable(wanted, add_ids | {pool.product_id for pool in pools if pool.pk in held}, whose="the group")
    to_add = [pool for pool in pools if pool.product_id in add_ids and pool.pk not in held]
    to_remove = [pool for pool in pools if pool.product_id in remove_ids and pool.pk in held]
    replanned = [
        pool
        for pool in pools
        if pool.pk in held and pool.product_id in wanted and held[pool.pk].disabled_plans != wanted[pool.product_id]
    ]
    plans_before = {pool.pk: held[pool.pk].disabled_plans for pool in replanned}
    GroupLicense.objects.bulk_create(
        [
            GroupLicense(group=group, pool=pool, added_by=by.user, disabled_plans=wanted.get(pool.product_id, []))
            for pool in to_add
        ]
    )
    GroupLicense.objects.filter(group=group, pool__in=to_remove).delete()
    for pool in replanned:
        held[pool.pk].disabled_plans = wanted[pool.product_id]
    GroupLicense.objects.bulk_update([held[pool.pk] for pool in replanned], ["disabled_plans"])
    details = group_details(group)
    audit_record(
        [
            audit_event_new(
                AuditAction.GROUP_LICENSE_ADDED,
                actor=by,
                subscription=subscription,
                product=pool.product,
                details=details | plans_details(wanted.get(pool.product_id, [])),
            )
            for pool in to_add
        ]
        + [
            audit_event_new(
                AuditAction.GROUP_LICENSE_REMOVED,
                actor=by,
                subscription=subscription,
                product=pool.product,
                details=details,
            )
            for pool in to_remove
        ]
        + [
            audit_event_new(
                AuditAction.GROUP_LICENSE_PLANS_CHANGED,
                actor=by,
                subscription=subscription,
                product=pool.product,
                details=details | plans_change_details(pool.product, plans_before[pool.pk], wanted[pool.product_id]),
            )
            for pool in replanned
        ]
    )
    if to_add or to_remove:
        members = list(GroupMembership.objects.filter(group=group).values_list("user_id", flat=True))
        group_sources_sync(by=by, pools=to_add + to_remove, user_ids=members, details=details)
    return LicenseChange(
        added=[pool.product for pool in to_add],
        removed=[pool.product for pool in to_remove],
        plans_changed=[pool.product for pool in replanned],
    )


def memberships_licenses_follow(
    *, by: Actor, changes: Mapping[int, Sequence[int]], groups: Mapping[int, Group], **signal: object
) -> None:
    """The receiver of accounts.signals.memberships_changed: the users who joined or left groups get or lose the
    licenses of the groups' pools, every pool locked once, in primary-key order (the one lock order)."""
    held = GroupLicense.objects.filter(group_id__in=changes)
    pools = pools_lock_all(LicensePool.objects.filter(pk__in=held.values("pool_id")))
    if not pools:
        return
    by_id = {pool.pk: pool for pool in pools}
    # One group changed (the usual case): it holds every pool locked, and needs no second query to say which.
    pairs = (
        held.values_list("group_id", "pool_id")
        if len(changes) > 1
        else [(group_id, pk) for group_id in changes for pk in by_id]
    )
    pools_of_group: dict[int, list[LicensePool]] = defaultdict(list)
    for group_id, pool_id in pairs:
        pools_of_group[group_id].append(by_id[pool_id])
    for group_id, its_pools in sorted(pools_of_group.items()):
        group_sources_sync(by=by, pools=its_pools, user_ids=changes[group_id], details=group_details(groups[group_id]))


@transaction.atomic
def pools_reprocess(*, by: Actor, pools: QuerySet[LicensePool]) -> dict[LicensePool, tuple[int, int]]:
    """An operator's repair, never needed for correctness: bring every license and place in the line of `pools` in
    line with the group sources, and serve the lines. Returns, per pool, how many licenses were taken back and how
    many members got one or joined the line."""
    outcomes = {}
    for pool in pools_lock_all(pools):
        require_license_management(by.user, pool.subscription_id)
        sourced = GroupMembership.objects.filter(group__licenses__pool=pool).values_list("user_id", flat=True)
        held = LicenseAssignment.objects.filter(pool=pool, direct=False).values_list("user_id", flat=True)
        waiting = PendingLicense.objects.filter(pool=pool).values_list("user_id", flat=True)
        users = sorted({*sourced, *held, *waiting})
        lost, gained = group_sources_sync(by=by, pools=[pool], user_ids=users, details={"reprocess": True})
        outcomes[pool] = (len(lost), len(gained))
    return outcomes
