"""Bulk: select rows, then assign or unassign one product for all of them, all or nothing."""

import pytest
from playwright.sync_api import Page, expect

from accounts.models import User
from tests.browser.conftest import licenses_cell, open_user_assignments, pool_summary, sign_in
from tests.world import Org

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def select_only(page: Page, people: dict[str, User], chosen: list[User]) -> None:
    """Tick exactly these rows among the people's, whatever the previous action left ticked."""
    for user in people.values():
        page.get_by_role("checkbox", name=f"Select {user.display_name}", exact=True).set_checked(user in chosen)


def choose_bulk_product(page: Page, product_name: str) -> None:
    """Pick the product by its visible option text (which may also carry the availability)."""
    select = page.get_by_label("Product for selected users")
    value = select.locator("option", has_text=product_name).get_attribute("value")
    select.select_option(value=value)


def test_bulk_assign_and_unassign(page: Page, org: Org, people, assert_pool_counters):
    chosen = [people[name] for name in ("Joni", "Lidia", "Megan")]
    sign_in(page, org.users["global_admin"])
    open_user_assignments(page, org.s)

    select_only(page, people, chosen)
    choose_bulk_product(page, "OfficeSeries E5")
    page.get_by_role("button", name="Assign to selected").click()

    expect(page.locator("#messages")).to_contain_text("OfficeSeries E5")
    for user in chosen:
        expect(licenses_cell(page, user)).to_have_text("OfficeSeries E5 Direct")
    expect(licenses_cell(page, org.adele)).to_have_text("No licenses")
    expect(pool_summary(page)).to_contain_text("2 of 5 available")
    assert all(org.held(user) == {"OfficeSeries E5"} for user in chosen)
    assert org.pool(org.pool_e5).assigned == 3

    select_only(page, people, chosen[:2])
    choose_bulk_product(page, "OfficeSeries E5")
    page.get_by_role("button", name="Unassign from selected").click()

    expect(licenses_cell(page, chosen[0])).to_have_text("No licenses")
    expect(licenses_cell(page, chosen[1])).to_have_text("No licenses")
    expect(licenses_cell(page, chosen[2])).to_have_text("OfficeSeries E5 Direct")
    expect(pool_summary(page)).to_contain_text("4 of 5 available")
    assert org.pool(org.pool_e5).assigned == 1
    assert_pool_counters()


def test_bulk_assign_beyond_availability_changes_nothing(page: Page, org: Org, people, assert_pool_counters):
    chosen = [people[name] for name in ("Adele", "Joni", "Nestor")]
    sign_in(page, org.users["global_admin"])
    open_user_assignments(page, org.s)

    select_only(page, people, chosen)
    choose_bulk_product(page, "OfficeSeries Visio Plan 2")
    page.get_by_role("button", name="Assign to selected").click()

    expect(page.locator("#messages")).to_contain_text("needs 3, 0 available")
    for user in chosen:
        expect(licenses_cell(page, user)).to_have_text("No licenses")
    expect(pool_summary(page)).to_contain_text("0 of 1 available")
    assert all(org.held(user) == set() for user in chosen)
    assert org.pool(org.pool_visio).assigned == 1
    assert_pool_counters()
