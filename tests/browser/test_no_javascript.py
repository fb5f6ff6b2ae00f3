"""Without JavaScript the filters submit and "Add or remove licenses" is a plain page that does the same."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    filter_users,
    licenses_cell,
    open_user_assignments,
    pool_summary,
    product_checkbox,
    sign_in,
    user_row,
    user_rows,
)
from tests.world import Org

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page_without_js(new_context):
    context = new_context(java_script_enabled=False)
    context.set_default_timeout(10_000)
    return context.new_page()


def test_filter_and_license_page_without_javascript(page_without_js, org: Org, assert_pool_counters):
    page = page_without_js
    adele = org.adele
    sign_in(page, org.users["global_admin"])
    open_user_assignments(page, org.s)

    filter_users(page, "Adele")
    expect(page).to_have_url(re.compile(r"[?&]q=Adele"))
    expect(user_rows(page)).to_have_count(1)

    user_row(page, adele).get_by_role("link", name="Add or remove licenses", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/subscriptions/{org.s.pk}/users/{adele.pk}/licenses/(\?.*)?$"))
    expect(page.get_by_role("heading", name=re.compile(r"Add or remove licenses.*Adele Vance"))).to_be_visible()
    expect(product_checkbox(page.get_by_role("main"), org.visio)).to_be_disabled()
    product_checkbox(page.get_by_role("main"), org.e3).check()
    product_checkbox(page.get_by_role("main"), org.e5).check()
    page.get_by_role("button", name="Save").click()

    expect(page.locator("#messages")).to_contain_text("Licenses updated for Adele Vance")
    assert org.held(adele) == {"OfficeSeries E3", "OfficeSeries E5"}

    open_user_assignments(page, org.s)
    expect(licenses_cell(page, adele)).to_contain_text("OfficeSeries E3")
    expect(licenses_cell(page, adele)).to_contain_text("OfficeSeries E5")
    expect(pool_summary(page)).to_contain_text("16 of 20 available")
    expect(pool_summary(page)).to_contain_text("4 of 5 available")
    assert_pool_counters()
