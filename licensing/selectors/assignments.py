"""Who holds which license: a user's licenses and their version, exports, and the list page's rows."""

import hashlib
from collections.abc import Iterable, Sequence

from django.db.models import BigIntegerField, Case, OuterRef, QuerySet, Subquery, Sum, Value, When

from accounts.models import User
from accounts.permissions import AdminScope, admin_scope

from ..models import LicenseAssignment, LicensePool, PendingLicense, Subscription


def scope_of(actor: User | None) -> AdminScope | None:
    """The admin scope of `actor`; None for the system or an operator, who see everything."""
    return None if actor is None else admin_scope(actor)


def assignments_visible(
    *, scope: AdminScope | None, pools: Iterable[LicensePool] | None = None
) -> QuerySet[LicenseAssignment]:
    """The license assignments in the subscriptions `scope` may see (all of them for None), of `pools` if given.

    The one base of every list and filter that looks at licenses, so that none of them counts a license in a
    subscription that is 404 to its reader. Pools already in memory are checked here and matched by id: one index
    probe on (user, pool) with no join, and the planner knows how many users hold each pool.
    """
    queryset = LicenseAssignment.objects.all()
    if pools is not None:
        visible = [pool.pk for pool in pools if scope is None or scope.can_view_subscription(pool.subscription_id)]
        return queryset.filter(pool_id__in=visible)
    if scope is None:
        return queryset
    return scope.filter_subscriptions(queryset, "pool__subscription_id")


def user_licenses(*, user: User, actor: User | None = None) -> QuerySet[LicenseAssignment]:
    """The licenses `user` holds, in every subscription the actor may see."""
    return (
        assignments_visible(scope=scope_of(actor))
        .filter(user=user)
        .select_related("pool__product", "pool__subscription", "assigned_by")
        .order_by("pool__subscription__name", "pool__product__name")
    )


def user_licenses_version(*, user: User, actor: User | None = None) -> str:
    """The version of a user's licenses as one admin sees them (the API's ETag): those they hold and those they
    wait for. Assignment and pending ids are never reused, so the version changes with every assignment,
    unassignment, place taken in a line or left; the direct flag with every direct assignment added to, or
    removed from, a license the user also has from a group. Two queries."""
    held = user_licenses(user=user, actor=actor).order_by().values_list("pk", "direct")
    waiting = PendingLicense.objects.filter(user=user)
    scope = scope_of(actor)
    if scope is not None:
        waiting = scope.filter_subscriptions(waiting, "pool__subscription_id")
    ids = [f"{pk}{'d' if direct else 'g'}" for pk, direct in sorted(held)]
    ids += [f"p{pk}" for pk in sorted(waiting.values_list("pk", flat=True))]
    return f'"{hashlib.sha256(",".join(ids).encode()).hexdigest()[:32]}"'


def assignments_for_export(*, actor: User | None, subscription: Subscription | None = None) -> QuerySet:
    """Every license assignment the actor may see (of one subscription, if given), with its user, product,
    subscription and who assigned it."""
    queryset = (
        assignments_visible(scope=scope_of(actor))
        .select_related("user", "pool__product", "pool__subscription", "assigned_by")
        .order_by("pool__subscription__name", "pool__product__sku_part_number", "user__email")
    )
    if subscription is not None:
        queryset = queryset.filter(pool__subscription=subscription)
    return queryset


# Pools per bit mask: a mask is a sum of distinct powers of two, and must fit a signed 64-bit integer.
POOLS_PER_MASK = 62


def users_with_subscription_licenses(*, users: QuerySet[User], pools: Sequence[LicensePool]) -> list[User]:
    """The rows of `users` (a page: a sliced queryset), each with `subscription_pools`: the pools of `pools` (one
    subscription's, in display order) whose license the user holds.

    One query whatever the page size: the page's ids are chosen in a subquery, and each of those rows carries a bit
    mask of the pools it holds, summed by a correlated subquery over its own assignments (an index probe on
    (user, pool)). An aggregate cannot be turned into a hash of a whole pool's holders, so the work is per row shown.
    """
    pools = list(pools)
    groups = [pools[start : start + POOLS_PER_MASK] for start in range(0, len(pools), POOLS_PER_MASK)]
    masks = {f"held_pools_{number}": _held_mask(group) for number, group in enumerate(groups)}
    rows = User.objects.filter(pk__in=users.values("pk")).annotate(**masks).order_by(*users.query.order_by)
    people = list(rows)
    for person in people:
        person.subscription_pools = [
            pool
            for name, group in zip(masks, groups, strict=True)
            for bit, pool in enumerate(group)
            if (getattr(person, name) or 0) >> bit & 1
        ]
    return people


def _held_mask(pools: Sequence[LicensePool]) -> Subquery:
    """The sum of 2**i over the pools[i] the outer user holds (NULL when none)."""
    bits = Case(
        *(When(pool_id=pool.pk, then=Value(1 << bit)) for bit, pool in enumerate(pools)),
        output_field=BigIntegerField(),
    )
    held = (
        LicenseAssignment.objects.filter(user=OuterRef("pk"), pool__in=pools)
        .order_by()
        .values("user")
        .annotate(mask=Sum(bits))
        .values("mask")
    )
    return Subquery(held, output_field=BigIntegerField())
