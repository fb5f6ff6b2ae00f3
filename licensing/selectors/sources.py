"""Where each user's licenses come from, as the pages and the API show them: direct and from which groups, held
or waited for (README, "Group licenses"), read at a fixed number of queries whatever the number of users."""

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field

from django.db import router
from django.db.models import (
    BigIntegerField,
    Exists,
    F,
    Func,
    IntegerField,
    JSONField,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.expressions import RawSQL

from accounts.models import Group, GroupMembership, User
from accounts.selectors import users_page
from core.rows import SharedRelated, own_columns, row_of, rows_built
from core.sql import JSONList, JSONRow, compiled_once, statement_once

from ..models import GroupLicense, LicenseAssignment, LicensePool, PendingLicense
from .assignments import assignments_visible, pool_rows_visible, scope_of
from .groups import PENDING_REASON_WORDS, pending_reason
from .plans import plans_from_row, plans_of_product_row


@dataclass
class LicenseSources:
    """Where one user's license of one pool comes from, and whether they hold it or wait for it."""

    direct: bool = False
    groups: list[Group] = field(default_factory=list)
    pending: bool = False
    # The plans each source switches off (service_plan_id strings): the direct one's, and each group's by its id.
    direct_disabled_plans: list[str] = field(default_factory=list)
    group_disabled_plans: dict[int, list[str]] = field(default_factory=dict)

    @property
    def inherited(self) -> bool:
        return bool(self.groups)

    @property
    def disabled_plans(self) -> list[str]:
        """The plans off on the license: those no source has on (selectors/plans.py's rule, from these rows)."""
        source_sets = [set(self.group_disabled_plans.get(group.pk, ())) for group in self.groups]
        if self.direct:
            source_sets.append(set(self.direct_disabled_plans))
        return sorted(set.intersection(*source_sets)) if source_sets else []


def license_sources(*, user_ids: Iterable[int], pools: Iterable[LicensePool]) -> dict[tuple[int, int], LicenseSources]:
    """The sources and state of every license these users hold or wait for in these pools, by (user id, pool id):
    three queries whatever the number of users and pools."""
    user_ids, pool_ids = list(user_ids), [pool.pk for pool in pools]
    sources: dict[tuple[int, int], LicenseSources] = defaultdict(LicenseSources)
    for user_id, pool_id, disabled in LicenseAssignment.objects.filter(
        user_id__in=user_ids, pool_id__in=pool_ids, direct=True
    ).values_list("user_id", "pool_id", "disabled_plans"):
        sources[user_id, pool_id].direct = True
        sources[user_id, pool_id].direct_disabled_plans = disabled
    for key, groups in groups_giving_pools(user_ids=user_ids, pool_ids=pool_ids).items():
        sources[key].groups = groups
        sources[key].group_disabled_plans = _group_plans(groups, key[1])
    for user_id, pool_id in PendingLicense.objects.filter(user_id__in=user_ids, pool_id__in=pool_ids).values_list(
        "user_id", "pool_id"
    ):
        sources[user_id, pool_id].pending = True
    return dict(sources)


def _group_plans(groups: list[Group], pool_id: int) -> dict[int, list[str]]:
    return {group.pk: group.disabled_plans_of[pool_id] for group in groups}


def groups_giving_pools(*, user_ids: list[int], pool_ids: list[int]) -> dict[tuple[int, int], list[Group]]:
    """The groups through which each of these users has each of these pools, by (user id, pool id), by name, each
    with `disabled_plans_of` (the plans it switches off, by pool id): one query, a row per member and group
    license."""
    licenses = (
        GroupLicense.objects.filter(pool_id__in=pool_ids, group__memberships__user_id__in=user_ids)
        .annotate(member_id=F("group__memberships__user_id"))  # the join filtered just above
        .select_related("group")
    )
    groups: dict[int, Group] = {}
    giving: dict[tuple[int, int], list[Group]] = defaultdict(list)
    for license in licenses:
        group = groups.setdefault(license.group_id, license.group)
        group.disabled_plans_of = getattr(group, "disabled_plans_of", {})
        group.disabled_plans_of[license.pool_id] = license.disabled_plans
        giving[license.member_id, license.pool_id].append(group)
    for given in giving.values():
        given.sort(key=lambda group: group.name.lower())
    return giving


def user_pending_licenses(*, user: User, actor: User | None) -> QuerySet[PendingLicense]:
    """The licenses `user` waits for, in the subscriptions `actor` may see, with their pool's product and
    subscription."""
    return (
        pool_rows_visible(PendingLicense.objects.filter(user=user), scope=scope_of(actor))
        .select_related("pool__product", "pool__subscription")
        .order_by("pool__subscription__name", "pool__product__name")
    )


def groups_holding_pool() -> RawSQL:
    """The groups that hold the outer pool, as a JSON list of [id, name] (NULL when none): an annotation of a
    page's pools, for the choices of a filter by source without a query of its own (compiled once)."""

    def holders() -> Subquery:
        groups = (
            GroupLicense.objects.filter(pool=OuterRef("pk"))
            .order_by()
            .values("pool")
            .annotate(groups=JSONList(JSONRow("group_id", "group__name")))
            .values("groups")
        )
        return Subquery(groups, output_field=JSONField())

    return compiled_once(LicensePool, "groups holding", holders)


def groups_holding(pools: Iterable[LicensePool]) -> list[Group]:
    """The groups that hold any of `pools` (annotated with groups_holding_pool), by name, each once (with their id
    and name only)."""
    names = {group_id: name for pool in pools for group_id, name in pool.holding_groups or ()}
    return _by_name(_group(group_id, name) for group_id, name in names.items())


def _group(group_id: int, name: str) -> Group:
    """A group as a license's source names it: its id and name, read with the row that points at it. Built the way
    Django builds a row read with those two columns (the others deferred), so no default is computed: `Group(pk=…)`
    drew a random public id (a uuid4 from the system's random source) for every source shown, some fifty a page."""
    return Group.from_db(None, ["id", "name"], [group_id, name])


def _by_name(groups: Iterable[Group]) -> list[Group]:
    return sorted(groups, key=lambda group: (group.name.lower(), group.pk))


@dataclass
class PoolLicense:
    """One license a user holds or waits for, in a list of their licenses: its pool and where it comes from."""

    pool: LicensePool
    sources: LicenseSources

    @property
    def reason(self) -> str:
        """Why it waits, in words ("" when it is held)."""
        return PENDING_REASON_WORDS[pending_reason(self.pool)] if self.sources.pending else ""


# Pools per bit mask: a mask is a sum of distinct powers of two, and must fit a signed 64-bit integer.
POOLS_PER_MASK = 62


def users_with_subscription_licenses(*, users: QuerySet[User], pools: Sequence[LicensePool]) -> list[User]:
    """The rows of `users` (a page: a sliced queryset), each with `subscription_licenses`: a PoolLicense for each
    pool of `pools` (one subscription's, or every one the reader may see, in display order, loaded with their
    product and subscription) whose license the user holds or waits for, with its sources.

    One query whatever the page size: the page's ids are chosen in a subquery, and each of those rows carries bit
    masks of the pools it holds, holds directly and waits for, each summed by a correlated subquery over its own
    rows (an index probe on (user, pool)), and the JSON list of the groups that give it those pools. An aggregate
    cannot be turned into a hash of a whole pool's holders, so the work is per row shown.
    """
    pools = list(pools)
    if not pools:
        return _with_licenses(list(users), pools)
    return _with_licenses(list(users_page(users).annotate(**_licenses_of_row(pools))), pools)


def pools_with_user_licenses(*, subscription_id: int, user: User) -> list[LicensePool]:
    """The subscription's pools as they are now, by product name, each with its product (its plans as
    `product.plans_read`) and subscription; `held`: whether `user` holds its license; and `license`: a PoolLicense
    with its sources and the plans each switches off, or None when they neither hold nor wait for it. What the
    license dialog shows, and the row it sends back after a Save (`user_with_licenses`), in one statement compiled
    once (core.sql.statement_once)."""
    related = SharedRelated(LicensePool, ("product", "subscription"))
    own = own_columns(LicensePool)
    annotations = ("held_direct", "direct_plans", "waiting", "giving", "product_plans")

    def statement(subscription_id: list[int], user_id: list[int]) -> QuerySet:
        held = LicenseAssignment.objects.filter(pool=OuterRef("pk"), user_id=user_id[0])
        given = (
            GroupLicense.objects.filter(pool=OuterRef("pk"), group__memberships__user_id=user_id[0])
            .order_by()
            .values("pool")
            .annotate(groups=JSONList(JSONRow("group_id", "group__name", "disabled_plans")))
            .values("groups")
        )
        return (
            LicensePool.objects.filter(subscription_id=subscription_id[0])
            .annotate(
                held_direct=Subquery(held.values("direct")[:1]),
                direct_plans=Subquery(held.filter(direct=True).values("disabled_plans")[:1], output_field=JSONField()),
                waiting=Exists(PendingLicense.objects.filter(pool=OuterRef("pk"), user_id=user_id[0])),
                giving=Subquery(given, output_field=JSONField()),
                product_plans=plans_of_product_row(),
            )
            .order_by("product__name")
            .values_list(*own, *annotations, *related.columns)
        )

    rows = statement_once(
        LicensePool, "pools with a user's licenses", statement, subscription_id=[subscription_id], user_id=[user.pk]
    )
    pools = rows_built(LicensePool, rows, annotations, related)
    for pool in pools:
        pool.product.plans_read = plans_from_row(pool.product_plans)
        pool.held = pool.held_direct is not None
        given = pool.giving or ()
        sources = LicenseSources(
            direct=bool(pool.held_direct),
            groups=_by_name(_group(group_id, name) for group_id, name, _ in given),
            pending=pool.waiting,
            direct_disabled_plans=pool.direct_plans or [],
            group_disabled_plans={group_id: plans for group_id, _, plans in given},
        )
        pool.license = PoolLicense(pool=pool, sources=sources) if pool.held or pool.waiting else None
    return pools


def user_with_licenses(user: User, pools: Iterable[LicensePool]) -> User:
    """`user` with `subscription_licenses` as users_with_subscription_licenses gives each row, from `pools` read by
    pools_with_user_licenses for them."""
    user.subscription_licenses = [pool.license for pool in pools if pool.license is not None]
    return user


_LICENSE_KINDS = {
    "held": lambda: LicenseAssignment.objects.all(),
    "direct": lambda: LicenseAssignment.objects.filter(direct=True),
    "pending": lambda: PendingLicense.objects.all(),
}


def _mask_chunks(pools: Sequence[LicensePool]) -> list[Sequence[LicensePool]]:
    return [pools[start : start + POOLS_PER_MASK] for start in range(0, len(pools), POOLS_PER_MASK)]


def _licenses_of_row(pools: Sequence[LicensePool]) -> dict[str, RawSQL]:
    """The annotations a user's row carries its licenses of `pools` in: a mask per kind and chunk of pools, and
    the groups giving them (`license_groups`); none without pools. They depend on the pools only: compiled once
    per set of pools (core.sql.compiled_once)."""
    if not pools:
        return {}
    pool_ids = tuple(pool.pk for pool in pools)
    masks = {
        f"{kind}_{number}": compiled_once(
            User, ("pool mask", kind, pool_ids, number), lambda rows=rows, chunk=chunk: _pool_mask(rows(), chunk)
        )
        for kind, rows in _LICENSE_KINDS.items()
        for number, chunk in enumerate(_mask_chunks(pools))
    }
    return {**masks, "license_groups": compiled_once(User, ("groups giving", pool_ids), lambda: _groups_giving(pools))}


def _with_licenses(people: list[User], pools: Sequence[LicensePool]) -> list[User]:
    """`people`, read with the annotations of _licenses_of_row(pools), each with `subscription_licenses`."""
    chunks = _mask_chunks(pools)
    for person in people:
        groups_of_pool: dict[int, list[Group]] = defaultdict(list)
        for pool_id, group_id, name in getattr(person, "license_groups", None) or ():
            groups_of_pool[pool_id].append(_group(group_id, name))
        person.subscription_licenses = []
        for number, chunk in enumerate(chunks):
            held, direct, pending = (getattr(person, f"{kind}_{number}") or 0 for kind in _LICENSE_KINDS)
            for bit, pool in enumerate(chunk):
                if (held | pending) >> bit & 1:
                    sources = LicenseSources(
                        direct=bool(direct >> bit & 1),
                        groups=_by_name(groups_of_pool[pool.pk]),
                        pending=bool(pending >> bit & 1),
                    )
                    person.subscription_licenses.append(PoolLicense(pool=pool, sources=sources))
    return people


class PoolBit(Func):
    """2**i for a row of pools[i]: `CASE pool_id WHEN … THEN … END`, one expression however many pools (a When per
    pool made the ORM spend longer building the page's query than PostgreSQL answering it)."""

    output_field = BigIntegerField()

    def __init__(self, pools: Sequence[LicensePool]) -> None:
        super().__init__(F("pool_id"))
        self.bits = [value for bit, pool in enumerate(pools) for value in (pool.pk, 1 << bit)]

    def as_sql(self, compiler, connection, **extra_context):
        column, params = compiler.compile(self.source_expressions[0])
        whens = " WHEN %s THEN %s" * (len(self.bits) // 2)
        return f"CASE {column}{whens} END", (*params, *self.bits)


def _pool_mask(rows: QuerySet, pools: Sequence[LicensePool]) -> Subquery:
    """The sum of 2**i over the pools[i] of which `rows` (of a model with user and pool) has one of the outer user
    (NULL when none)."""
    mask = (
        rows.filter(user=OuterRef("pk"), pool_id__in=[pool.pk for pool in pools])
        .order_by()
        .values("user")
        .annotate(mask=Sum(PoolBit(pools)))
        .values("mask")
    )
    return Subquery(mask, output_field=BigIntegerField())


def _groups_giving(pools: Sequence[LicensePool]) -> Subquery:
    """The groups of the outer user that hold any of `pools`, as a JSON list of [pool id, group id, group name]
    (NULL when none)."""
    given = (
        GroupMembership.objects.filter(user=OuterRef("pk"), group__licenses__pool__in=pools)
        .order_by()
        .values("user")
        .annotate(groups=JSONList(JSONRow("group__licenses__pool_id", "group_id", "group__name")))
        .values("groups")
    )
    return Subquery(given, output_field=JSONField())


@dataclass
class UserLicense:
    """A license a user holds (`assignment`) or waits for (`waiting`, their place in the pool's line), with its
    sources: one entry of a user's licenses as the API lists them."""

    user_id: int
    pool: LicensePool
    assignment: LicenseAssignment | None = None
    waiting: PendingLicense | None = None
    sources: LicenseSources = field(default_factory=LicenseSources)

    @property
    def state(self) -> str:
        return "active" if self.assignment is not None else "pending"

    @property
    def reason(self) -> str | None:
        """Why the user waits (pending_reason); None for a license they hold."""
        return None if self.assignment is not None else pending_reason(self.pool)


def users_licenses(*, user_ids: Collection[int], actor: User | None) -> dict[int, list[UserLicense]]:
    """Every license these users hold or wait for in the subscriptions `actor` may see, by user id (every id is a
    key), each list by subscription and product name. One query whatever the number of users: the assignments and
    the places in lines in one UNION, each row with the groups that give it (groups_giving_row) and the columns of
    its pool, product, subscription (and admin who assigned it), from which each of those is built once
    (core.rows.SharedRelated)."""
    scope = scope_of(actor)
    pools = ("pool", "pool__product", "pool__subscription")
    held_pools = SharedRelated(LicenseAssignment, pools)
    line_pools = SharedRelated(PendingLicense, pools, shared=held_pools.shared)
    admins = SharedRelated(LicenseAssignment, ["assigned_by"], shared=held_pools.shared)
    held_columns, line_columns = own_columns(LicenseAssignment), own_columns(PendingLicense)

    def statement(user_ids: list[int]) -> QuerySet:
        giving = groups_giving_row("group_id", "group__name", "disabled_plans")
        # A place in a line has the columns of an assignment up to its time (id, pool, user, since); the others
        # are NULL.
        padding = {
            f"no_{name}": Value(None, output_field=IntegerField())  # NULL: the UNION takes the assignments' types
            for name in held_columns[len(line_columns) :] + admins.columns
        }
        held = (
            assignments_visible(scope=scope)
            .filter(user_id__in=user_ids)
            .annotate(giving=giving)
            .values_list(*held_columns, "giving", *held_pools.columns, *admins.columns)
        )
        in_lines = (
            pool_rows_visible(PendingLicense.objects.filter(user_id__in=user_ids), scope=scope)
            .annotate(giving=giving, **padding)
            .values_list(
                *line_columns,
                *list(padding)[: len(held_columns) - len(line_columns)],
                "giving",
                *line_pools.columns,
                *list(padding)[len(held_columns) - len(line_columns) :],
            )
        )
        return held.order_by().union(in_lines.order_by(), all=True)

    reach = None if scope is None else scope.reach
    rows = statement_once(LicenseAssignment, ("users licenses", reach), statement, user_ids=list(user_ids))
    db = router.db_for_read(LicenseAssignment)
    own, pool_end = len(held_columns) + 1, len(held_columns) + 1 + len(held_pools.columns)
    direct_at = held_columns.index("direct")
    entries = []
    for values in rows:
        if values[direct_at] is not None:
            row = row_of(LicenseAssignment, db, values[:own], ["giving"])
            held_pools.attach(row, values[own:pool_end])
            admins.attach(row, values[pool_end:])
            entries.append(UserLicense(row.user_id, row.pool, assignment=row))
        else:
            row = row_of(PendingLicense, db, [*values[: len(line_columns)], values[own - 1]], ["giving"])
            line_pools.attach(row, values[own:pool_end])
            entries.append(UserLicense(row.user_id, row.pool, waiting=row))
    listed: dict[int, list[UserLicense]] = {user_id: [] for user_id in user_ids}
    for entry in sorted(entries, key=lambda entry: (entry.pool.subscription.name, entry.pool.product.name)):
        row = entry.assignment or entry.waiting
        given = row.giving or []
        direct = entry.assignment is not None and entry.assignment.direct
        entry.sources = LicenseSources(
            direct=direct,
            groups=_by_name(_group(group_id, name) for group_id, name, _ in given),
            pending=entry.waiting is not None,
            direct_disabled_plans=entry.assignment.disabled_plans if direct else [],
            group_disabled_plans={group_id: plans for group_id, _, plans in given},
        )
        listed[entry.user_id].append(entry)
    return listed


def groups_giving_row(*fields: str) -> Subquery:
    """The group licenses through which the outer row's user has the outer row's pool (the row of an assignment
    or of a place in a line), as a JSON list of `fields` of each (GroupLicense's; NULL when none), so the row
    carries its group sources in its own statement."""
    given = (
        GroupLicense.objects.filter(pool=OuterRef("pool_id"), group__memberships__user=OuterRef("user_id"))
        .order_by()
        .values("pool")
        .annotate(groups=JSONList(JSONRow(*fields)))
        .values("groups")
    )
    return Subquery(given, output_field=JSONField())
