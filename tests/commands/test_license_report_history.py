"""license_report --history (README, "License usage history"): each pool's daily counters and its forecast, as a
table, CSV or JSON, in the admin's scope."""

import datetime
import json

import pytest
from django.utils import timezone

from licensing.models import PoolSnapshot
from tests.factories import LicensePoolFactory


@pytest.fixture
def growing(e3):
    """E3 (5 owned): 0, 0, 1, 1, 2, 2, 3 assigned on the last seven days (snapshots), 4 today (the pool's live
    counter): about half a license a day, one left."""
    today = timezone.localdate()
    PoolSnapshot.objects.bulk_create(
        PoolSnapshot(pool=e3, day=today - datetime.timedelta(days=days_ago), quantity=5, assigned=assigned, pending=0)
        for days_ago, assigned in zip(range(7, 0, -1), [0, 0, 1, 1, 2, 2, 3], strict=True)
    )
    e3.__class__.objects.filter(pk=e3.pk).update(assigned=4)
    return e3


def test_the_table_shows_each_pool_with_its_forecast_and_days(run, growing):
    result = run("license_report", "--history", "--days", "3")

    assert result.code == 0, result.err
    today = timezone.localdate()
    lines = result.out.splitlines()
    assert lines[0] == (
        f"{growing.subscription.name}  OFFICESERIES_E3: At this rate {growing.product.name} runs out in about 2 days."
    )
    assert lines[1:5] == [
        "DAY         QUANTITY  ASSIGNED  WAITING",
        f"{today - datetime.timedelta(days=2)}         5         2        0",
        f"{today - datetime.timedelta(days=1)}         5         3        0",
        f"{today}         5         4        0",
    ]


def test_csv_has_a_row_per_pool_and_day_with_the_forecast(run, growing):
    result = run("license_report", "--history", "--days", "2", "--format", "csv")

    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        '"subscription","sku","product","day","quantity","assigned","pending","outlook","days_left"',
        f'"{growing.subscription.name}","OFFICESERIES_E3","E3","{timezone.localdate() - datetime.timedelta(days=1)}",'
        '5,3,0,"runs_out",2',
        f'"{growing.subscription.name}","OFFICESERIES_E3","E3","{timezone.localdate()}",5,4,0,"runs_out",2',
    ]


def test_json_nests_the_points_and_the_forecast(run, growing):
    result = run("license_report", "--history", "--format", "json")

    (pool,) = json.loads(result.out)
    assert pool["sku"] == "OFFICESERIES_E3"
    assert (pool["forecast"]["outlook"], pool["forecast"]["days_left"]) == ("runs_out", 2)
    assert len(pool["points"]) == 8
    assert pool["points"][-1] == {"day": timezone.localdate().isoformat(), "quantity": 5, "assigned": 4, "pending": 0}


def test_a_subscription_administrator_sees_their_pools_only(run, growing, subscription_admin):
    LicensePoolFactory()

    result = run("license_report", "--history", "--format", "json", "--as", subscription_admin.email)

    assert [pool["sku"] for pool in json.loads(result.out)] == ["OFFICESERIES_E3"]


@pytest.mark.parametrize("days", ["0", "401"])
def test_days_out_of_range_is_a_usage_error(run, e3, days):
    result = run("license_report", "--history", "--days", days)

    assert result.code == 2
    assert "--days must be from 1 to 400" in result.err
