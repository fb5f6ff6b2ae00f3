"""Products & licenses draws each product's last 90 days with its forecast and the numbers behind the chart; the
home page a sparkline per pool. History is read once for every pool on the page."""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from licensing.models import PoolSnapshot
from tests.factories import LicensePoolFactory, ProductFactory
from tests.usage_history import history_add
from tests.web.conftest import client_for
from tests.world import Org

HISTORY_TABLE = PoolSnapshot._meta.db_table


def products_page(org: Org) -> str:
    url = reverse("licensing:subscription_products", args=[org.s.pk])
    return client_for(org.users["global_admin"]).get(url).content.decode()


def chart_of(html: str, pool) -> str:
    start = html.index(f'<article class="card usage-chart" id="usage-{pool.pk}"')
    return html[start : html.index("</article>", start)]


def table_rows(chart: str) -> list[list[str]]:
    """The table alternative's rows: the days, then owned, assigned and waiting."""
    body = chart[chart.index("<tbody>") : chart.index("</tbody>")]
    return [re.findall(r"<t[hd][^>]*>([^<]*)</t[hd]>", row) for row in re.findall(r"<tr>(.*?)</tr>", body)]


def test_a_growing_pool_is_drawn_with_its_title_its_numbers_and_when_it_runs_out(org: Org):
    rooms = LicensePoolFactory(subscription=org.s, product=ProductFactory(name="Teams Rooms"), quantity=40, assigned=30)
    history_add([rooms], days=30, assigned=lambda ago: 30 - ago)  # one more license a day

    chart = chart_of(products_page(org), rooms)

    assert f'role="img" aria-labelledby="chart-title-{rooms.pk} chart-desc-{rooms.pk}"' in chart
    assert f'<title id="chart-title-{rooms.pk}">Licenses of Teams Rooms over the last 90 days</title>' in chart
    assert "0 assigned of 40 owned then, 30 assigned of 40 owned today." in chart
    assert '<p class="chart-forecast">At this rate Teams Rooms runs out in about 10 days.</p>' in chart
    # Ten units a day, today at 890: owned is flat at 40 (the top of the chart) from 30 days ago; assigned climbs
    # from 0 (the bottom) to 30.
    assert 'class="chart-line chart-owned" d="M590 40 H890"' in chart
    assert 'class="chart-line chart-assigned" d="M590 960 L600 937 ' in chart and ' L890 270"' in chart
    rows = table_rows(chart)
    today = timezone.localdate()
    assert len(rows) == 31 and rows[0] == [f"{today:%b} {today.day}, {today.year}", "40", "30", "0"]
    assert rows[-1][1:] == ["40", "0", "0"]
    assert "Show the numbers" in chart


def test_days_with_the_same_counters_are_one_row_and_a_flat_pool_does_not_run_out(org: Org):
    history_add([org.pool_e5], days=10, assigned=lambda ago: 0)

    chart = chart_of(products_page(org), org.pool_e5)

    assert table_rows(chart) == [[re.search(r"<th scope=\"row\">([^<]*)</th>", chart).group(1), "5", "0", "0"]]
    assert " – " in table_rows(chart)[0][0]
    assert "At this rate OfficeSeries E5 does not run out within 90 days." in chart


def test_waiting_members_are_drawn_stacked_on_the_assigned_and_said(org: Org):
    waiting = LicensePoolFactory(subscription=org.s, product=ProductFactory(name="Project"), quantity=3, assigned=3)
    waiting.pending = 2
    waiting.save(update_fields=["pending"])
    history_add([waiting], days=8, assigned=lambda ago: 3, pending=lambda ago: 1)

    chart = chart_of(products_page(org), waiting)

    assert 'class="chart-line chart-demand"' in chart and "Assigned + waiting" in chart
    assert "Out of licenses now: 2 members waiting for Project." in chart


def test_a_pool_without_history_has_no_chart_yet(org: Org):
    chart = chart_of(products_page(org), org.pool_e3)

    assert "<svg" not in chart and "No history yet" in chart
    assert "Too little history for a forecast of OfficeSeries E3: it needs 7 days." in chart


def history_queries(captured) -> list[str]:
    return [query["sql"] for query in captured.captured_queries if HISTORY_TABLE in query["sql"]]


def test_twenty_pools_of_ninety_days_cost_one_history_query_and_at_most_eight(org: Org):
    client = client_for(org.users["global_admin"])
    url = reverse("licensing:subscription_products", args=[org.s.pk])
    pools = [org.pool_e3, org.pool_e5, org.pool_visio]
    with CaptureQueriesContext(connection) as three:
        client.get(url)
    pools += [LicensePoolFactory(subscription=org.s, quantity=50) for _ in range(17)]
    history_add(pools, days=89, assigned=lambda ago: ago % 2)

    with CaptureQueriesContext(connection) as twenty:
        html = client.get(url).content.decode()

    assert html.count('<article class="card usage-chart"') == 20 and html.count('<svg class="chart-svg"') == 20
    assert len(history_queries(twenty)) == 1
    assert len(twenty.captured_queries) == len(three.captured_queries) <= 8


def test_the_home_page_draws_a_sparkline_per_pool_with_history_at_a_fixed_query_count(org: Org):
    client = client_for(org.users["global_admin"])
    history_add([org.pool_e3], days=20, assigned=lambda ago: 1)
    with CaptureQueriesContext(connection) as few:
        html = client.get("/").content.decode()
    assert html.count('<svg class="sparkline"') == 1
    assert 'role="img" aria-label="Last 90 days: OfficeSeries E3 since' in html

    extra = [LicensePoolFactory(subscription=org.t, quantity=9) for _ in range(10)]
    history_add(extra, days=20, assigned=lambda ago: 0)
    with CaptureQueriesContext(connection) as many:
        html = client.get("/").content.decode()

    assert html.count('<svg class="sparkline"') == 11
    assert len(many.captured_queries) == len(few.captured_queries) and len(history_queries(many)) == 1
