"""'Select all N users that match': a bulk action on every user the list's filters match, after a confirmation
with the count and the shortfall (a dialog with JavaScript, a page on the Users list)."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import licenses_cell, sign_in
from tests.world import Org

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_assign_to_every_user_that_matches_after_the_confirmation(page: Page, org: Org, people, assert_pool_counters):
    sign_in(page, org.users["global_admin"])
    page.goto(f"/subscriptions/{org.s.pk}/users/?department=Engineering")
    page.get_by_label("Select all 3 users that match").check()
    expect(page.locator("[data-selected-count]")).to_have_text("All 3 that match selected")
    page.get_by_label("Product for selected users").select_option(value=str(org.e5.pk))
    page.get_by_role("button", name="Assign to selected").click()

    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("heading")).to_have_text("Assign OfficeSeries E5 to 3 users?")
    expect(dialog).to_contain_text("Needs 3 of the 5 available.")
    assert org.pool(org.pool_e5).assigned == 0
    dialog.get_by_role("button", name="Assign to 3").click()

    expect(page.locator("#messages")).to_contain_text("Assigned OfficeSeries E5 to 3 users.")
    for name in ("Diego", "Grady", "Johanna"):
        expect(licenses_cell(page, people[name])).to_contain_text("OfficeSeries E5")
    assert org.pool(org.pool_e5).assigned == 3
    assert_pool_counters()

    page.goto(f"/subscriptions/{org.s.pk}/users/")  # everyone: more than the 2 left
    page.get_by_label("Select all").and_(page.locator("[data-all-matching]")).check()
    page.get_by_label("Product for selected users").select_option(value=str(org.e5.pk))
    page.get_by_role("button", name="Assign to selected").click()
    expect(page.get_by_role("dialog")).to_contain_text("2 available: nothing will change.")
    expect(page.get_by_role("dialog").get_by_role("button", name="Assign to")).to_be_disabled()
    page.get_by_role("dialog").get_by_role("button", name="Cancel").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    assert org.pool(org.pool_e5).assigned == 3


def test_on_a_phone_the_users_list_acts_on_every_user_that_matches(page: Page, org: Org, people):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, org.users["global_admin"])
    page.goto("/users/?department=Marketing")
    select_all = page.get_by_label("Select all 3 users that match")
    select_all.scroll_into_view_if_needed()
    expect(select_all).to_be_in_viewport()
    select_all.check()
    expect(page.get_by_role("checkbox", name="Select Lidia Holloway")).to_be_checked()
    page.get_by_label("With the selected users").select_option("assign")
    page.get_by_label("Product for the selected users").select_option(value=str(org.pool_e5.pk))
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Assign OfficeSeries E5 to 3 users?")
    expect(page.locator("[data-shortfall]")).to_have_text("Needs 3 of the 5 available.")
    confirm = page.get_by_role("button", name="Assign a product")
    confirm.scroll_into_view_if_needed()
    expect(confirm).to_be_in_viewport()
    confirm.click()

    expect(page.locator("#messages")).to_contain_text("Assigned OfficeSeries E5 in Contoso Enterprise for 3 users.")
    holders = set(org.pool_e5.assignments.values_list("user__display_name", flat=True))
    assert holders == {"Alex Wilber", "Lidia Holloway", "Megan Bowen"}
