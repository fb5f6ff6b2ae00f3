"""snapshot_usage: the daily job of the usage history (README, "License usage history")."""

import datetime

from django.utils import timezone

from core.audit import Actor
from core.choices import Source
from licensing.models import PoolSnapshot
from licensing.services.pools import pool_create
from tests.factories import LicensePoolFactory, ProductFactory


def test_it_says_what_it_wrote_and_a_second_run_writes_nothing(run, e3):
    LicensePoolFactory(subscription=e3.subscription)
    today = timezone.localdate().isoformat()

    first = run("snapshot_usage")
    second = run("snapshot_usage")

    assert (first.code, first.out) == (0, f"Wrote 2 snapshots for {today}; 0 already there.\n")
    assert (second.code, second.out) == (0, f"Wrote 0 snapshots for {today}; 2 already there.\n")
    assert PoolSnapshot.objects.count() == 2


def test_the_first_run_says_how_many_past_days_it_rebuilt(run, subscription, monkeypatch):
    now = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: now - datetime.timedelta(days=3))
    pool_create(by=Actor(None, Source.CLI), subscription=subscription, product=ProductFactory(), quantity=4)
    monkeypatch.setattr(timezone, "now", lambda: now)

    result = run("snapshot_usage")

    assert result.code == 0, result.err
    assert result.out.splitlines()[1] == "Rebuilt 3 past daily snapshots from the audit log."
    assert PoolSnapshot.objects.filter(backfilled=True).count() == 3


def test_a_member_is_refused(run, e3, member):
    result = run("snapshot_usage", "--as", member.email)

    assert result.code == 1
    assert "error [permission_denied]" in result.err
    assert not PoolSnapshot.objects.exists()
