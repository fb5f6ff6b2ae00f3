"""The group scenarios of `make bench` (issue 12): group licenses, membership and rules measured at the service
level like the bulk case, and the User License Assignments page with inherited and pending licenses.

Each scenario builds its own group (named "Bench …", deleted first if an interrupted run left it), undoes its
change before every run so that runs are comparable, and deletes the group at the end: the data set stays as
seed_demo made it, apart from the bench's own products and pools, which later runs reuse.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING

from accounts.choices import GroupKind
from accounts.group_rules import rule_filter, rule_validated
from accounts.models import Group, User
from accounts.services.groups import group_create, group_delete, group_members_change, group_update
from core.audit import Actor
from core.choices import Source
from licensing.models import LicensePool, Product
from licensing.services.group_licenses import group_licenses_change
from licensing.services.pools import pool_create, pool_set_quantity

from .measure import Result, count_queries, timed

if TYPE_CHECKING:  # the harness calls these scenarios with itself
    from .harness import Bench

# Sales and Engineering in the US, Canada and Germany: 20,000 of seed_demo's 100,000 users.
RULE_20K = {"department": ["Sales", "Engineering"], "usage_location": ["US", "CA", "DE"]}
RULE_NOBODY = {"department": ["Bench (nobody)"]}
LICENSED_PRODUCTS = 5
PAGE_MEMBERS = 100  # the first two pages of the list
PAGE_LICENSES = 50  # half of them hold the license, the other half wait for it


def _actor(bench: "Bench") -> Actor:
    return Actor(bench.admin, Source.API)


def _fresh_group(bench: "Bench", name: str, *, kind: str = GroupKind.ASSIGNED, rule: dict | None = None) -> Group:
    for leftover in Group.objects.filter(name=name):
        group_delete(by=_actor(bench), group=leftover)
    return group_create(by=_actor(bench), name=name, kind=kind, rule=rule)


def _pool(bench: "Bench", sku: str, quantity: int) -> LicensePool:
    """The bench's pool of product `sku` in the bench subscription, with exactly `quantity` licenses (none
    assigned: every scenario gives back what it took)."""
    product, _ = Product.objects.get_or_create(sku_part_number=sku, defaults={"name": sku.replace("_", " ").title()})
    pool = pool_create(by=_actor(bench), subscription=bench.subscription, product=product, quantity=quantity)
    if pool.quantity != quantity:
        pool = pool_set_quantity(by=_actor(bench), pool=pool, quantity=quantity)
    return pool


def _measured(bench: "Bench", name: str, change: Callable[[], object], undo: Callable[[], object], repeat: int) -> None:
    """`change`'s time over `repeat` runs, `undo` (untimed) before each, then its statements in one more run."""
    samples = timed(change, repeat, setup=lambda run: undo())
    undo()
    bench.results.append(Result(name, samples, queries=count_queries(change)))


def group_license_add(bench: "Bench", size: int) -> None:
    """group_licenses_change giving one product to a group of `size` members, each getting a license."""
    pool = _pool(bench, "BENCH_GROUP", size)
    group = _fresh_group(bench, "Bench group license")
    group_members_change(by=_actor(bench), group=group, add=list(User.objects.order_by("pk")[:size]))
    change = {"by": _actor(bench), "group": group, "subscription": bench.subscription}
    _measured(
        bench,
        f"group_licenses_change: one product to {size:,} members",
        lambda: group_licenses_change(add=[pool.product], **change),
        lambda: group_licenses_change(remove=[pool.product], **change),
        max(1, bench.repeat // 4),
    )
    group_delete(by=_actor(bench), group=group)


def group_member_add(bench: "Bench") -> None:
    """group_members_change adding one user to a group that holds five products: five licenses follow."""
    pools = [_pool(bench, f"BENCH_GROUP_{number}", bench.repeat + 1) for number in range(1, LICENSED_PRODUCTS + 1)]
    group = _fresh_group(bench, "Bench five products")
    group_licenses_change(
        by=_actor(bench), group=group, subscription=bench.subscription, add=[pool.product for pool in pools]
    )
    joiner = User.objects.filter(email__startswith="lee.").order_by("pk").first()
    _measured(
        bench,
        f"group_members_change: one member, {LICENSED_PRODUCTS} products",
        lambda: group_members_change(by=_actor(bench), group=group, add=[joiner]),
        lambda: group_members_change(by=_actor(bench), group=group, remove=[joiner]),
        bench.repeat,
    )
    group_delete(by=_actor(bench), group=group)


def group_rule_recompute(bench: "Bench") -> None:
    """group_update giving a dynamic group a rule that matches 20,000 users (at 100,000), from one that matches
    nobody."""
    group = _fresh_group(bench, "Bench rule", kind=GroupKind.DYNAMIC, rule=RULE_NOBODY)
    matched = User.objects.filter(rule_filter(rule_validated(RULE_20K))).count()
    _measured(
        bench,
        f"group_update: a rule matching {matched:,} users",
        lambda: group_update(by=_actor(bench), group=group, rule=RULE_20K),
        lambda: group_update(by=_actor(bench), group=group, rule=RULE_NOBODY),
        max(1, bench.repeat // 4),
    )
    group_delete(by=_actor(bench), group=group)


def sources_page(bench: "Bench") -> None:
    """The User License Assignments page and the dialog when the users shown hold licenses from a group and
    wait in its line: the first page's users are members of a group holding a pool that has licenses for half of
    them."""
    pool = _pool(bench, "BENCH_LINE", PAGE_LICENSES)
    group = _fresh_group(bench, "Bench page")
    first = list(User.objects.order_by("display_name", "email", "pk")[:PAGE_MEMBERS])  # the list's order
    group_members_change(by=_actor(bench), group=group, add=first)
    group_licenses_change(by=_actor(bench), group=group, subscription=bench.subscription, add=[pool.product])
    bench.page("list: page 1, group sources and pending", f"/subscriptions/{bench.subscription.pk}/users/")
    pool.refresh_from_db()
    bench.results[-1].extra = {"members": len(first), "holding": pool.assigned, "waiting": pool.pending}
    waiting = pool.line.order_by("since", "pk").first().user
    bench.dialog_open("dialog: open, a member waiting", waiting)
    group_delete(by=_actor(bench), group=group)
