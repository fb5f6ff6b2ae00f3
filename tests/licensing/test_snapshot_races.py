"""Two snapshot jobs at once on PostgreSQL (README, "License usage history"): one row per pool per day, the past
rebuilt once, whichever run gets there first."""

import datetime

import pytest
from django.db.models import Count
from django.utils import timezone

from core.audit import Actor
from core.choices import Source
from licensing.models import PoolSnapshot
from licensing.services.history import pool_snapshots_take
from licensing.services.pools import pool_create
from tests.concurrency import codes, run_at_once, unexpected
from tests.factories import LicensePoolFactory, ProductFactory, SubscriptionFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

OPERATOR = Actor(None, Source.SYSTEM, label="race")


def test_two_servers_write_one_snapshot_per_pool_per_day():
    subscription = SubscriptionFactory()
    for _ in range(5):
        pool_create(by=OPERATOR, subscription=subscription, product=ProductFactory(), quantity=10)
    LicensePoolFactory.create_batch(5)  # no history: today's row only
    # The runs take the snapshot of three days later, so the pools created today have three days to rebuild.
    later = timezone.localdate() + datetime.timedelta(days=3)

    outcomes = run_at_once([lambda: pool_snapshots_take(by=OPERATOR, today=later)] * 2)

    assert not unexpected(outcomes), unexpected(outcomes)
    assert codes(outcomes) == {"ok": 2}
    taken = [result for _, result in outcomes]
    assert sorted(result.written for result in taken) == [0, 10]
    assert sum(result.already for result in taken) == 10
    assert sorted(result.backfilled for result in taken) == [0, 15]  # 5 pools, 3 days each, once
    per_day = PoolSnapshot.objects.values("pool_id", "day").annotate(rows=Count("pk")).filter(rows__gt=1)
    assert not per_day.exists()
    assert PoolSnapshot.objects.filter(day=later).count() == 10
    assert PoolSnapshot.objects.filter(backfilled=True).count() == 15
