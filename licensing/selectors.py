"""Reads for pages, endpoints and commands. Every selector that takes an actor narrows to their scope."""

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection
from django.db.models import BigIntegerField, Case, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Value, When

from accounts.models import User, UserManager
from accounts.permissions import AdminScope, admin_scope, require_admin, require_subscription_visible

from .exceptions import NotFound, ProductNotInSubscription
from .models import AuditEvent, LicenseAssignment, LicensePool, Product, Subscription


def subscriptions_visible(*, actor: User | None) -> QuerySet[Subscription]:
    """The subscriptions `actor` may see, each with its pools and their products."""
    queryset = Subscription.objects.prefetch_related(
        Prefetch("pools", queryset=LicensePool.objects.select_related("product").order_by("product__name"))
    )
    if actor is None:
        return queryset
    return admin_scope(actor).filter_subscriptions(queryset)


def subscription_get(*, actor: User | None, subscription_id: int) -> Subscription:
    """One subscription, or NotFound when it does not exist or lies outside the actor's scope."""
    require_subscription_visible(actor, subscription_id)
    subscription = subscriptions_visible(actor=actor).filter(pk=subscription_id).first()
    if subscription is None:
        raise NotFound("Subscription not found.")
    return subscription


def pools_of_subscription(*, subscription: Subscription) -> QuerySet[LicensePool]:
    return LicensePool.objects.filter(subscription=subscription).select_related("product").order_by("product__name")


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


def audit_events_visible(*, actor: User | None) -> QuerySet[AuditEvent]:
    """The audit events `actor` may read: all, or a Subscription Administrator's subscriptions' events."""
    queryset = AuditEvent.objects.all()
    if actor is None:
        return queryset
    scope = admin_scope(actor)
    if not scope.can_read_audit_log:
        return queryset.none()
    return scope.filter_subscriptions(queryset, "subscription_id")


def product_identifier_q(identifier: str) -> Q:
    """Match a product by its sku id (UUID) or its part number, case-insensitively, as REST and CLI name them."""
    identifier = str(identifier).strip()
    try:
        return Q(sku_id=uuid.UUID(identifier))
    except ValueError:
        return Q(sku_part_number__iexact=identifier)


def pools_of_product(*, pools: Iterable[LicensePool], identifier: str) -> list[LicensePool]:
    """Those of `pools` (their products loaded) whose product `identifier` names, as product_identifier_q matches."""
    key = _product_key(str(identifier).strip())
    return [pool for pool in pools if key in (str(pool.product.sku_id), pool.product.sku_part_number.upper())]


def products_resolve(*, identifiers: Iterable[str]) -> list[Product]:
    """The products named by sku id or part number, in the order given; NotFound names every unknown one."""
    identifiers = [str(identifier).strip() for identifier in identifiers]
    if not identifiers:
        return []
    query = Q()
    for identifier in identifiers:
        query |= product_identifier_q(identifier)
    products = list(Product.objects.filter(query))
    found: dict[str, Product] = {}
    for product in products:
        found[str(product.sku_id)] = product
        found[product.sku_part_number.upper()] = product
    unknown = [identifier for identifier in identifiers if _product_key(identifier) not in found]
    if unknown:
        raise NotFound(f"Unknown product: {', '.join(unknown)}.", skus=unknown)
    return list(
        {found[_product_key(identifier)].pk: found[_product_key(identifier)] for identifier in identifiers}.values()
    )


def _product_key(identifier: str) -> str:
    try:
        return str(uuid.UUID(identifier))
    except ValueError:
        return identifier.upper()


# --- resolution and reports for the operator commands -----------------------------------------------------

# Keeps `IN (...)` lists well under SQLite's limit on query parameters.
EMAIL_CHUNK = 5000
USAGE_WARNING_PERCENT = 90


def subscription_resolve(*, actor: User | None, identifier: str) -> Subscription:
    """A subscription named by its name (case-insensitively) or its id, within the actor's scope; else NotFound."""
    identifier = str(identifier).strip()
    query = Q(name__iexact=identifier)
    if identifier.isdigit():
        query |= Q(pk=int(identifier))
    # A subscription whose name is the identifier wins over one whose id it is.
    matches = sorted(Subscription.objects.filter(query), key=lambda found: found.name.lower() != identifier.lower())
    if not matches:
        raise NotFound(f"Unknown subscription: {identifier}.", subscription=identifier)
    require_subscription_visible(actor, matches[0].pk)
    return matches[0]


def pool_get(*, subscription: Subscription, product: Product) -> LicensePool:
    """The pool of `product` in `subscription`, or ProductNotInSubscription."""
    pool = LicensePool.objects.select_related("product", "subscription").filter(
        subscription=subscription, product=product
    )
    found = pool.first()
    if found is None:
        raise ProductNotInSubscription(subscription=subscription.name, skus=[product.sku_part_number])
    return found


def users_by_email(*, emails: Iterable[str]) -> dict[str, User]:
    """The users with these emails (compared case-insensitively), by their stored email; unknown ones are absent."""
    wanted = list(dict.fromkeys(UserManager.normalize_email(email) for email in emails))
    found: dict[str, User] = {}
    for start in range(0, len(wanted), EMAIL_CHUNK):
        found.update((user.email, user) for user in User.objects.filter(email__in=wanted[start : start + EMAIL_CHUNK]))
    return found


def users_resolve(*, emails: Iterable[str]) -> list[User]:
    """The users with these emails, in the order given; NotFound names every unknown one."""
    wanted = list(dict.fromkeys(UserManager.normalize_email(email) for email in emails))
    found = users_by_email(emails=wanted)
    unknown = [email for email in wanted if email not in found]
    if unknown:
        raise NotFound(f"Unknown user: {', '.join(unknown)}.", emails=unknown)
    return [found[email] for email in wanted]


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


@dataclass(frozen=True)
class PoolUsage:
    """How much of one pool is used: `level` is "ok", "warning" (90 % or more) or "full" (none available)."""

    subscription: str
    status: str
    sku: str
    product: str
    quantity: int
    assigned: int

    @property
    def available(self) -> int:
        return self.quantity - self.assigned

    @property
    def utilisation(self) -> float | None:
        """Percent of the purchased licenses that are assigned; None for a pool of no licenses."""
        return round(100 * self.assigned / self.quantity, 1) if self.quantity else None

    @property
    def level(self) -> str:
        if self.available <= 0:
            return "full"
        if self.utilisation >= USAGE_WARNING_PERCENT:
            return "warning"
        return "ok"


def license_usage(*, actor: User | None) -> list[PoolUsage]:
    """Quantity, assigned and available of every pool the actor may see, by subscription and product."""
    pools = LicensePool.objects.select_related("subscription", "product").order_by(
        "subscription__name", "product__sku_part_number"
    )
    if actor is not None:
        pools = admin_scope(actor).filter_subscriptions(pools, "subscription_id")
    return [
        PoolUsage(
            subscription=pool.subscription.name,
            status=pool.subscription.status,
            sku=pool.product.sku_part_number,
            product=pool.product.name,
            quantity=pool.quantity,
            assigned=pool.assigned,
        )
        for pool in pools
    ]


def user_get(*, actor: User | None, user_id: int) -> User:
    """One user of the organisation (every admin may look users up), or NotFound."""
    require_admin(actor)
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise NotFound("User not found.")
    return user


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


def departments_list() -> list[str]:
    """The departments users belong to, in order, for a filter's choices.

    A loose index scan: each step asks the department index for the next name after the previous one, so the cost
    grows with the number of departments, not of users (SELECT DISTINCT reads every user: ~12 ms at 100,000).
    """
    table = connection.ops.quote_name(User._meta.db_table)
    column = connection.ops.quote_name(User._meta.get_field("department").column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH RECURSIVE departments (name) AS ("
            f" SELECT MIN({column}) FROM {table} WHERE {column} > %s"
            f" UNION ALL"
            f" SELECT (SELECT MIN({column}) FROM {table} WHERE {column} > departments.name)"
            f" FROM departments WHERE departments.name IS NOT NULL"
            f") SELECT name FROM departments WHERE name IS NOT NULL",
            [""],
        )
        return [name for (name,) in cursor.fetchall()]


def audit_events_of_subscription(*, actor: User | None, subscription: Subscription) -> QuerySet[AuditEvent]:
    """The audit events of one subscription the actor may read, newest first, with their subjects joined."""
    return (
        audit_events_visible(actor=actor)
        .filter(subscription=subscription)
        .select_related("subject_user", "product", "actor")
        .order_by("-occurred_at", "-id")
    )


def pools_visible(*, actor: User | None) -> QuerySet[LicensePool]:
    """The license pools of the subscriptions `actor` may see, with their product and subscription."""
    queryset = LicensePool.objects.select_related("product", "subscription").order_by(
        "subscription__name", "product__name"
    )
    if actor is None:
        return queryset
    return admin_scope(actor).filter_subscriptions(queryset, "subscription_id")
