"""pool_snapshots_take (README, "License usage history"): today's snapshot of every pool, and the first time, the
pool's past rebuilt from an audit log written by the services themselves on known days."""

import datetime

import pytest
from django.utils import timezone

from accounts.services.groups import group_members_change
from core.audit import Actor
from core.choices import Source
from core.errors import PermissionDenied
from licensing.models import LicenseAssignment, LicensePool, PoolSnapshot
from licensing.services import history
from licensing.services.assignments import user_licenses_change
from licensing.services.group_licenses import group_licenses_change
from licensing.services.history import pool_snapshots_take
from licensing.services.pools import pool_create, pool_set_quantity
from tests.factories import GroupFactory, LicensePoolFactory, ProductFactory, UserFactory

OPERATOR = Actor(None, Source.CLI, label="ops")
TODAY = datetime.date(2026, 11, 30)


@pytest.fixture
def on_day(monkeypatch):
    """`on_day(n)`: from now on the clock reads noon, n days before TODAY (0: TODAY itself)."""

    def travel(days_ago: int) -> None:
        moment = datetime.datetime.combine(TODAY - datetime.timedelta(days=days_ago), datetime.time(12), datetime.UTC)
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return travel


def series(pool) -> list[tuple]:
    return list(
        PoolSnapshot.objects.filter(pool=pool).values_list("day", "quantity", "assigned", "pending", "backfilled")
    )


def day(days_ago: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=days_ago)


def test_the_first_run_rebuilds_each_day_from_the_audit_log(subscription, on_day):
    """Ten days of a pool's life: created with 3, licenses assigned, a group whose third member waits, the
    quantity raised (the line served), a license unassigned, and one more assigned today."""
    first, leaver, today_user = UserFactory.create_batch(3)
    members = UserFactory.create_batch(3)
    on_day(10)
    pool = pool_create(by=OPERATOR, subscription=subscription, product=ProductFactory(), quantity=3)
    user_licenses_change(by=OPERATOR, user=first, subscription=subscription, add=[pool.product])
    on_day(8)
    group = GroupFactory()
    group_licenses_change(by=OPERATOR, group=group, subscription=subscription, add=[pool.product])
    group_members_change(by=OPERATOR, group=group, add=members)  # two get the last licenses, one waits
    on_day(5)
    pool_set_quantity(by=OPERATOR, pool=pool, quantity=5)  # the one waiting is served: 4 of 5
    user_licenses_change(by=OPERATOR, user=leaver, subscription=subscription, add=[pool.product])
    on_day(3)
    user_licenses_change(by=OPERATOR, user=leaver, subscription=subscription, remove=[pool.product])
    on_day(0)
    user_licenses_change(by=OPERATOR, user=today_user, subscription=subscription, add=[pool.product])

    taken = pool_snapshots_take(by=OPERATOR)

    assert (taken.day, taken.written, taken.already, taken.backfilled) == (TODAY, 1, 0, 10)
    closing = {10: (3, 1, 0), 8: (3, 3, 1), 5: (5, 5, 0), 3: (5, 4, 0)}
    expected = []
    counters = None
    for days_ago in range(10, 0, -1):
        counters = closing.get(days_ago, counters)
        expected.append((day(days_ago), *counters, True))
    assert series(pool) == [*expected, (TODAY, 5, 5, 0, False)]


def test_a_later_run_writes_today_only_and_keeps_what_is_there(subscription, on_day):
    on_day(2)
    pool = pool_create(by=OPERATOR, subscription=subscription, product=ProductFactory(), quantity=4)
    on_day(0)
    assert pool_snapshots_take(by=OPERATOR).backfilled == 2
    user_licenses_change(by=OPERATOR, user=UserFactory(), subscription=subscription, add=[pool.product])

    again = pool_snapshots_take(by=OPERATOR)

    assert (again.written, again.already, again.backfilled) == (0, 1, 0)
    assert series(pool)[-1] == (TODAY, 4, 0, 0, False)  # the first run's row stays
    on_day(-1)
    assert pool_snapshots_take(by=OPERATOR).written == 1
    assert series(pool)[-1] == (day(-1), 4, 1, 0, False)


def test_a_pool_without_history_gets_today_only(pool, on_day):
    on_day(0)

    taken = pool_snapshots_take(by=OPERATOR)

    assert (taken.written, taken.backfilled) == (1, 0)
    assert series(pool) == [(TODAY, pool.quantity, 0, 0, False)]


def test_the_backfill_goes_back_at_most_backfill_days(subscription, on_day, monkeypatch):
    monkeypatch.setattr(history, "BACKFILL_DAYS", 5)
    on_day(30)
    pool = pool_create(by=OPERATOR, subscription=subscription, product=ProductFactory(), quantity=2)
    on_day(0)

    pool_snapshots_take(by=OPERATOR)

    assert [row[0] for row in series(pool)] == [day(days_ago) for days_ago in range(5, -1, -1)]


def test_counts_the_log_cannot_explain_stop_at_zero(subscription, on_day):
    """A license assigned yesterday, then taken away outside the application (no event): walked back, the day
    before has -1 assigned, written as 0."""
    on_day(2)
    pool = pool_create(by=OPERATOR, subscription=subscription, product=ProductFactory(), quantity=3)
    on_day(1)
    user_licenses_change(by=OPERATOR, user=UserFactory(), subscription=subscription, add=[pool.product])
    LicenseAssignment.objects.filter(pool=pool).delete()
    LicensePool.objects.filter(pk=pool.pk).update(assigned=0)
    on_day(0)

    pool_snapshots_take(by=OPERATOR)

    assert series(pool) == [(day(2), 3, 0, 0, True), (day(1), 3, 0, 0, True), (TODAY, 3, 0, 0, False)]


def test_a_subscription_administrator_snapshots_their_pools_only(subscription_admin, subscription, pool, on_day):
    outside = LicensePoolFactory()
    on_day(0)

    taken = pool_snapshots_take(by=Actor(subscription_admin, Source.CLI))

    assert taken.written == 1
    assert PoolSnapshot.objects.filter(pool=pool).exists()
    assert not PoolSnapshot.objects.filter(pool=outside).exists()


def test_a_member_may_not_take_snapshots(member, pool):
    with pytest.raises(PermissionDenied):
        pool_snapshots_take(by=Actor(member, Source.CLI))
    assert not PoolSnapshot.objects.exists()
