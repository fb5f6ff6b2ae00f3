"""Group licenses as readers see them: which pools a group holds, with its members' counts, and who waits in which
line (README, "Group licenses"). Where each user's licenses come from: selectors/sources.py."""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from accounts.models import Group, GroupMembership, User

from ..choices import ASSIGNABLE_STATUSES
from ..models import GroupLicense, LicenseAssignment, LicensePool, PendingLicense
from .assignments import scope_of


def group_licenses(*, group: Group, actor: User | None) -> QuerySet[GroupLicense]:
    """The pools `group` holds in the subscriptions `actor` may see, with their product and subscription."""
    licenses = GroupLicense.objects.filter(group=group).select_related("pool__product", "pool__subscription")
    scope = scope_of(actor)
    if scope is not None:
        licenses = scope.filter_subscriptions(licenses, "pool__subscription_id")
    return licenses.order_by("pool__subscription__name", "pool__product__name")


def group_licenses_counted(*, group: Group, actor: User | None) -> QuerySet[GroupLicense]:
    """`group_licenses`, each with how many of the group's members hold the pool's license (`members_holding`) and
    how many wait for one (`members_waiting`): one query, two index probes per pool."""
    return group_licenses(group=group, actor=actor).annotate(
        members_holding=_members_count(LicenseAssignment), members_waiting=_members_count(PendingLicense)
    )


def _members_count(model: type[LicenseAssignment] | type[PendingLicense]) -> Coalesce:
    """The number of the outer group's members with a row of `model` in the outer pool."""
    rows = (
        model.objects.filter(pool_id=OuterRef("pool_id"), user__group_memberships__group_id=OuterRef("group_id"))
        .order_by()
        .values("pool_id")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def group_licenses_version(group: Group) -> str:
    """The version of a group's licenses (the API's ETag): GroupLicense ids are never reused; their disabled plans
    change in place."""
    ids = ",".join(
        f"{pk}{'-' + '-'.join(disabled) if disabled else ''}"
        for pk, disabled in GroupLicense.objects.filter(group=group).order_by("pk").values_list("pk", "disabled_plans")
    )
    return f'"{hashlib.sha256(ids.encode()).hexdigest()[:32]}"'


def pending_reason(pool: LicensePool) -> str:
    """Why the members in a pool's line wait (the subscription is loaded with the pool)."""
    return "not_enough_licenses" if pool.subscription.status in ASSIGNABLE_STATUSES else "subscription_not_active"


PENDING_REASON_WORDS = {
    "not_enough_licenses": "not enough licenses",
    "subscription_not_active": "subscription not active",
}


def pool_line(pool: LicensePool) -> QuerySet[PendingLicense]:
    """The members waiting for a license of `pool`, first in line first."""
    return PendingLicense.objects.filter(pool=pool).select_related("user").order_by("since", "pk")


def licenses_freed_by_group_delete(group: Group) -> int:
    """How many licenses deleting `group` takes back: its members' licenses of its pools with no other source."""
    other_source = Exists(
        GroupMembership.objects.filter(
            user_id=OuterRef("user_id"), group__licenses__pool_id=OuterRef("pool_id")
        ).exclude(group=group)
    )
    return (
        LicenseAssignment.objects.filter(
            direct=False,
            pool__group_licenses__group=group,
            user__group_memberships__group=group,
        )
        .exclude(other_source)
        .count()
    )


@dataclass(frozen=True)
class GroupPoolMembers:
    """How a group's members stand in one of its pools: `holding` a license, `waiting` in the line, and how many
    of the holders would lose theirs with the group's license (`only_from_group`: no direct or other group
    source)."""

    holding: int = 0
    waiting: int = 0
    only_from_group: int = 0


def group_pools_members(*, group: Group, pools: Iterable[LicensePool]) -> dict[int, GroupPoolMembers]:
    """GroupPoolMembers of `group` in each of `pools`, by pool id: three queries whatever the number of members and
    pools."""
    pool_ids = [pool.pk for pool in pools]
    members = GroupMembership.objects.filter(group=group).values("user_id")
    holders = LicenseAssignment.objects.filter(pool_id__in=pool_ids, user_id__in=members)
    other_source = Exists(
        GroupMembership.objects.filter(
            user_id=OuterRef("user_id"), group__licenses__pool_id=OuterRef("pool_id")
        ).exclude(group=group)
    )
    counts = {
        name: dict(rows.values("pool_id").annotate(n=Count("pk")).values_list("pool_id", "n").order_by())
        for name, rows in (
            ("holding", holders),
            ("waiting", PendingLicense.objects.filter(pool_id__in=pool_ids, user_id__in=members)),
            ("only_from_group", holders.filter(direct=False).exclude(other_source)),
        )
    }
    return {
        pool_id: GroupPoolMembers(**{name: by_pool.get(pool_id, 0) for name, by_pool in counts.items()})
        for pool_id in pool_ids
    }
