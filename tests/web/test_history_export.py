"""The license history download (README, "License usage history"): a row per pool and day with its forecast, CSV
and XLSX, streamed, in the admin's scope, at a fixed number of queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from licensing.models import PoolSnapshot
from tests.web.conftest import client_for
from tests.web.test_exports import content_of, csv_records, xlsx_rows
from tests.world import Org


@pytest.fixture
def history(org: Org):
    """Yesterday's snapshot of every pool of the organisation."""
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    pools = [org.pool_e3, org.pool_e5, org.pool_visio, org.pool_t_e3]
    PoolSnapshot.objects.bulk_create(
        PoolSnapshot(pool=pool, day=yesterday, quantity=pool.quantity, assigned=0, pending=0) for pool in pools
    )
    return yesterday


@pytest.mark.parametrize(
    ("role", "subscriptions"),
    [("global_admin", {"Contoso Enterprise", "Fabrikam Research"}), ("subscription_admin", {"Contoso Enterprise"})],
)
def test_a_row_per_pool_and_day_the_admin_may_see(org: Org, history, role, subscriptions):
    url = reverse("licensing:license_history_export", args=["csv"])

    records = csv_records(client_for(org.users[role]).get(url))

    assert {record["subscription"] for record in records} == subscriptions
    e3 = [r for r in records if r["sku"] == "OFFICESERIES_E3" and r["subscription"] == "Contoso Enterprise"]
    assert [(r["day"], r["assigned"], r["outlook"], r["days_left"]) for r in e3] == [
        (history.isoformat(), "0", "too_little_history", ""),
        (timezone.localdate().isoformat(), "1", "too_little_history", ""),
    ]
    visio = next(
        r for r in records if r["sku"] == org.visio.sku_part_number and r["day"] == timezone.localdate().isoformat()
    )
    assert (visio["outlook"], visio["days_left"]) == ("exhausted", "0")


def test_xlsx_has_the_same_rows(org: Org, history):
    response = client_for(org.users["global_admin"]).get(reverse("licensing:license_history_export", args=["xlsx"]))

    rows = xlsx_rows(response)

    assert rows[0] == [
        "subscription",
        "sku",
        "product",
        "day",
        "quantity",
        "assigned",
        "pending",
        "outlook",
        "days_left",
    ]
    assert len(rows) == 1 + 4 * 2
    assert response["Content-Disposition"] == 'attachment; filename="license-history.xlsx"'


def test_the_queries_do_not_grow_with_the_pools_or_days(org: Org, history):
    client = client_for(org.users["global_admin"])
    url = reverse("licensing:license_history_export", args=["csv"])
    with CaptureQueriesContext(connection) as few:
        content_of(client.get(url))
    PoolSnapshot.objects.bulk_create(
        PoolSnapshot(pool=org.pool_e3, day=history - datetime.timedelta(days=days), quantity=20, assigned=0, pending=0)
        for days in range(1, 30)
    )

    with CaptureQueriesContext(connection) as more:
        content_of(client.get(url))

    assert len(more) == len(few)


def test_the_home_page_links_both_downloads(org: Org):
    page = client_for(org.users["global_admin"]).get(reverse("licensing:home")).content.decode()

    for file_format in ("csv", "xlsx"):
        assert f'href="{reverse("licensing:license_history_export", args=[file_format])}" download' in page
