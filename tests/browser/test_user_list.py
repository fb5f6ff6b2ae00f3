"""The "User License Assignments" list: live search with JavaScript, and the license filters."""

import pytest
from playwright.sync_api import Page, expect

from accounts.models import User
from licensing.views import UserLicenseAssignmentsView
from tests.browser.conftest import licenses_cell, open_user_assignments, sign_in, user_row, user_rows
from tests.world import Org

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_list_updates_as_you_type_and_filters_by_license(page: Page, org: Org, people):
    sign_in(page, org.users["global_admin"])
    open_user_assignments(page, org.s)
    expect(user_rows(page)).to_have_count(User.objects.count())

    # No "Apply filters" click: the list follows the search box.
    page.get_by_label("Search by name or email").press_sequentially("Henri")
    expect(user_rows(page)).to_have_count(1)
    expect(user_row(page, org.henrietta)).to_be_visible()

    page.get_by_label("Search by name or email").fill("")
    page.get_by_label("Product", exact=True).select_option(label="OfficeSeries E3")
    page.get_by_label("License status").select_option(label="Licensed (a license in this subscription)")
    page.get_by_role("button", name="Apply filters").click()
    holders = [people[name] for name in ("Alex", "Diego", "Grady")]
    expect(user_rows(page)).to_have_count(len(holders))
    for user in holders:
        expect(licenses_cell(page, user)).to_have_text("OfficeSeries E3 Direct")


def test_a_long_list_shows_its_exact_total_once_counted(page: Page, org: Org, monkeypatch):
    """The page counts only a little past itself (here 2 rows); the exact total follows by itself."""
    monkeypatch.setattr(UserLicenseAssignmentsView, "count_ahead", 2)
    sign_in(page, org.users["global_admin"])
    page.goto(f"/subscriptions/{org.s.pk}/users/?per_page=10")
    total = User.objects.count()
    expect(page.locator(".pagination-summary")).to_have_text(f"Showing 1–10 of {total} users")
