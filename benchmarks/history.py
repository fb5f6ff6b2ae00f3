"""The usage-history scenario of `make bench` (issue 16): Products & licenses with 20 products, each drawn from 90
days of history, against the same page for 20 products without history, whose cards say "No history yet" and
draw nothing (README, "License usage history": Charts). The two pages are timed alternately, run by run, so that
both see the same load on the machine.

Both subscriptions ("Bench history" and "Bench no history") and their pools are made once and reused: snapshots are
append-only (on PostgreSQL a trigger refuses DELETE, and a pool with snapshots cannot be deleted), so each run only
adds the days the window is missing, with bulk_create.
"""

import datetime
import statistics
from typing import TYPE_CHECKING

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.audit import Actor
from core.choices import Source
from licensing.choices import SubscriptionStatus
from licensing.models import LicensePool, PoolSnapshot, Product, Subscription
from licensing.selectors.history import HISTORY_DAYS
from licensing.services.pools import pool_create

from .measure import Result, timed

if TYPE_CHECKING:  # the harness calls this scenario with itself
    from .harness import Bench

POOLS = 20
QUANTITY = 500


def products_page_history(bench: "Bench") -> None:
    with_history = _subscription(bench, "Bench history")
    without = _subscription(bench, "Bench no history")
    snapshots = _history_fill(with_history)
    pages = {
        f"products: {POOLS} pools, {HISTORY_DAYS} days of history": f"/subscriptions/{with_history.pk}/products/",
        f"products: {POOLS} pools, no history": f"/subscriptions/{without.pk}/products/",
    }
    for url in pages.values():
        bench.get(url)  # warm caches
    samples: dict[str, list[float]] = {name: [] for name in pages}
    for _ in range(bench.repeat):
        for name, url in pages.items():
            samples[name] += timed(lambda url=url: bench.get(url), 1)
    baseline = statistics.median(samples[list(pages)[1]])
    for name, url in pages.items():
        with CaptureQueriesContext(connection) as captured:
            bench.get(url)
        ratio = round(statistics.median(samples[name]) / baseline, 2)
        extra = {"pools": POOLS, "snapshots": snapshots if name == list(pages)[0] else 0, "p50_vs_no_history": ratio}
        bench.results.append(Result(name, samples[name], queries=len(captured.captured_queries), extra=extra))


def _subscription(bench: "Bench", name: str) -> Subscription:
    """A subscription of `POOLS` bench products with `QUANTITY` licenses each, none assigned."""
    subscription, _ = Subscription.objects.get_or_create(
        name=name, defaults={"status": SubscriptionStatus.ACTIVE, "starts_on": datetime.date(2026, 1, 1)}
    )
    by = Actor(None, Source.SYSTEM, label="bench")
    for number in range(1, POOLS + 1):
        product, _ = Product.objects.get_or_create(
            sku_part_number=f"BENCH_HISTORY_{number:02}", defaults={"name": f"Bench history {number:02}"}
        )
        pool_create(by=by, subscription=subscription, product=product, quantity=QUANTITY)
    return subscription


def _history_fill(subscription: Subscription) -> int:
    """The subscription's pools' snapshots of the last HISTORY_DAYS - 1 days, the days missing added: counters that
    change every day (the table alternative has a row a day, its longest), members waiting one day in four. Returns
    how many snapshots the window holds."""
    today = timezone.localdate()
    pools = list(LicensePool.objects.filter(subscription=subscription))
    PoolSnapshot.objects.bulk_create(
        (
            PoolSnapshot(
                pool=pool,
                day=today - datetime.timedelta(days=ago),
                quantity=QUANTITY,
                assigned=QUANTITY * (HISTORY_DAYS - ago) // (2 * HISTORY_DAYS) + ago % 3,
                pending=int(ago % 4 == 0),
            )
            for pool in pools
            for ago in range(1, HISTORY_DAYS)
        ),
        ignore_conflicts=True,
    )
    return PoolSnapshot.objects.filter(pool__in=pools, day__gt=today - datetime.timedelta(days=HISTORY_DAYS)).count()
