"""Group licenses as readers see them: which pools a group holds, where each user's licenses come from, and who
waits in which line (README, "Group licenses")."""

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, QuerySet

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


def group_licenses_version(group: Group) -> str:
    """The version of a group's licenses (the API's ETag): GroupLicense ids are never reused."""
    ids = ",".join(
        str(pk) for pk in GroupLicense.objects.filter(group=group).order_by("pk").values_list("pk", flat=True)
    )
    return f'"{hashlib.sha256(ids.encode()).hexdigest()[:32]}"'


def pending_reason(pool: LicensePool) -> str:
    """Why the members in a pool's line wait (the subscription is loaded with the pool)."""
    return "not_enough_licenses" if pool.subscription.status in ASSIGNABLE_STATUSES else "subscription_not_active"


def pool_line(pool: LicensePool) -> QuerySet[PendingLicense]:
    """The members waiting for a license of `pool`, first in line first."""
    return PendingLicense.objects.filter(pool=pool).select_related("user").order_by("since", "pk")


@dataclass
class LicenseSources:
    """Where one user's license of one pool comes from, and whether they hold it or wait for it."""

    direct: bool = False
    groups: list[Group] = field(default_factory=list)
    pending: bool = False

    @property
    def inherited(self) -> bool:
        return bool(self.groups)


def license_sources(*, user_ids: Iterable[int], pools: Iterable[LicensePool]) -> dict[tuple[int, int], LicenseSources]:
    """The sources and state of every license these users hold or wait for in these pools, by (user id, pool id):
    four queries whatever the number of users and pools."""
    user_ids, pool_ids = list(user_ids), [pool.pk for pool in pools]
    sources: dict[tuple[int, int], LicenseSources] = defaultdict(LicenseSources)
    for user_id, pool_id in LicenseAssignment.objects.filter(
        user_id__in=user_ids, pool_id__in=pool_ids, direct=True
    ).values_list("user_id", "pool_id"):
        sources[user_id, pool_id].direct = True
    memberships = GroupMembership.objects.filter(user_id__in=user_ids).filter(
        Exists(GroupLicense.objects.filter(group_id=OuterRef("group_id"), pool_id__in=pool_ids))
    )
    groups_of_user: dict[int, list[int]] = defaultdict(list)
    for user_id, group_id in memberships.values_list("user_id", "group_id"):
        groups_of_user[user_id].append(group_id)
    pools_of_group: dict[int, list[int]] = defaultdict(list)
    group_licenses_of = GroupLicense.objects.filter(pool_id__in=pool_ids, group_id__in=memberships.values("group_id"))
    groups = {}
    for license in group_licenses_of.select_related("group").order_by("group__name"):
        pools_of_group[license.group_id].append(license.pool_id)
        groups[license.group_id] = license.group
    for user_id, group_ids in groups_of_user.items():
        for group in sorted((groups[pk] for pk in group_ids if pk in groups), key=lambda group: group.name.lower()):
            for pool_id in pools_of_group[group.pk]:
                sources[user_id, pool_id].groups.append(group)
    for user_id, pool_id in PendingLicense.objects.filter(user_id__in=user_ids, pool_id__in=pool_ids).values_list(
        "user_id", "pool_id"
    ):
        sources[user_id, pool_id].pending = True
    return dict(sources)


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
