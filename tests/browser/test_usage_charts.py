"""The usage chart in a browser: drawn with its title, the numbers behind it one click away, the forecast beside it,
and at 390 px wide nothing scrolls sideways; the home page's sparkline is an image with a name."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in
from tests.factories import LicensePoolFactory, ProductFactory
from tests.usage_history import history_add
from tests.world import Org

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def rooms(org: Org):
    """Teams Rooms: 30 of 40 assigned today, one more each day for the last 30 days."""
    pool = LicensePoolFactory(subscription=org.s, product=ProductFactory(name="Teams Rooms"), quantity=40, assigned=30)
    history_add([pool], days=30, assigned=lambda ago: 30 - ago)
    return pool


def open_chart(page: Page, org: Org, rooms):
    sign_in(page, org.users["global_admin"])
    page.goto(f"/subscriptions/{org.s.pk}/products/")
    return page.get_by_role("article", name="Teams Rooms")


def test_the_chart_its_numbers_and_its_forecast(page: Page, org: Org, rooms):
    chart = open_chart(page, org, rooms)

    expect(chart.get_by_role("img", name="Licenses of Teams Rooms over the last 90 days")).to_be_visible()
    expect(chart.get_by_text("At this rate Teams Rooms runs out in about 10 days.")).to_be_visible()
    numbers = chart.get_by_role("table")
    expect(numbers).to_be_hidden()
    chart.get_by_text("Show the numbers").click()
    expect(numbers).to_be_visible()
    expect(numbers.get_by_role("row")).to_have_count(32)  # the header, today and 30 days
    expect(numbers.get_by_role("row").nth(1).get_by_role("cell")).to_have_text(["40", "30", "0"])


def test_on_a_phone_the_chart_fits_the_screen(page: Page, org: Org, rooms):
    page.set_viewport_size(PHONE)
    chart = open_chart(page, org, rooms)
    chart.get_by_text("Show the numbers").click()

    box = chart.get_by_role("img").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] and box["height"] > 100
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_the_home_page_has_a_named_sparkline(page: Page, org: Org, rooms):
    sign_in(page, org.users["global_admin"])

    expect(page.get_by_role("img", name=re.compile(r"^Last 90 days: Teams Rooms since"))).to_be_visible()
