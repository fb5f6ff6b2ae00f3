"""Who holds which license: a user's licenses and their version, and exports (the list page's rows, with where
each license comes from: selectors/sources.py)."""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, QuerySet

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
    subscription that is 404 to its reader (pool_rows_visible does the same for the other rows of a pool).
    """
    return pool_rows_visible(LicenseAssignment.objects.all(), scope=scope, pools=pools)


def pool_rows_visible(
    rows: QuerySet, *, scope: AdminScope | None, pools: Iterable[LicensePool] | None = None
) -> QuerySet:
    """`rows` of a model with a `pool` (assignments, places in a line, group licenses) narrowed to the
    subscriptions `scope` may see (all of them for None), and to `pools` if given.

    Pools already in memory are checked here and matched by id: one index probe on (user, pool) with no join, and
    the planner knows how many users hold each pool.
    """
    if pools is not None:
        visible = [pool.pk for pool in pools if scope is None or scope.can_view_subscription(pool.subscription_id)]
        return rows.filter(pool_id__in=visible)
    if scope is None:
        return rows
    return scope.filter_subscriptions(rows, "pool__subscription_id")


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
    wait for. Two queries; `licenses_version` computes the same from rows already read."""
    held = user_licenses(user=user, actor=actor).order_by().values_list("pk", "direct", "disabled_plans")
    waiting = PendingLicense.objects.filter(user=user)
    scope = scope_of(actor)
    if scope is not None:
        waiting = scope.filter_subscriptions(waiting, "pool__subscription_id")
    return licenses_version(held=held, waiting=waiting.values_list("pk", flat=True))


def licenses_version(*, held: Iterable[tuple[int, bool, list[str]]], waiting: Iterable[int]) -> str:
    """The version of the licenses held, as (assignment id, direct, disabled plans), and waited for, as
    PendingLicense ids. Assignment and pending ids are never reused, so the version changes with every assignment,
    unassignment, place taken in a line or left; the direct flag with every direct assignment added to, or removed
    from, a license the user also has from a group; the plans with every change of the direct source's plans."""
    ids = [f"{pk}{'d' if direct else 'g'}{'-'.join(disabled)}" for pk, direct, disabled in sorted(held)]
    ids += [f"p{pk}" for pk in sorted(waiting)]
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


def assignments_listed(*, actor: User | None) -> QuerySet:
    """The API's list of assignments: assignments_for_export's rows by pool, then user, the order of the (pool,
    user) unique index, so that a page reads its own rows only (the export's order, by subscription name, product
    and email across joins, sorts every assignment of the subscription first)."""
    return assignments_for_export(actor=actor).order_by("pool_id", "user_id")


def assignable_now(pool: LicensePool) -> int:
    """How many new licenses the pool can give at once: none while anyone waits in its line (nobody passes it)."""
    return pool.available if pool.pending == 0 else 0


@dataclass(frozen=True)
class BulkAssignPreview:
    """What assigning a pool's product to a set of users would take: `matched` users, of whom `needed` do not hold
    it yet (those who have it from a group consume nothing more), against `available`. All or nothing."""

    matched: int
    needed: int
    available: int

    @property
    def shortfall(self) -> int:
        return max(0, self.needed - self.available)


def bulk_assign_preview(*, pool: LicensePool, users: QuerySet[User]) -> BulkAssignPreview:
    """One query, whatever the number of users."""
    holds = LicenseAssignment.objects.filter(pool=pool, user=OuterRef("pk"))
    counts = users.order_by().aggregate(matched=Count("pk"), needed=Count("pk", filter=~Exists(holds)))
    return BulkAssignPreview(matched=counts["matched"], needed=counts["needed"], available=assignable_now(pool))
