"""The User License Assignments list in the browser: Back and Forward after paging, counts that follow a save,
a refused bulk action that keeps the selection, and the guide's "select the row" path."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    license_dialog,
    licenses_cell,
    open_license_dialog,
    open_user_assignments,
    product_checkbox,
    sign_in,
    user_row,
    user_rows,
)
from tests.world import Org

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page_errors(page: Page) -> list[str]:
    """Every JavaScript error and console error (a CSP violation is one) the page reports."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"pageerror: {error}"))
    page.on("console", lambda message: errors.append(f"console: {message.text}") if message.type == "error" else None)
    return errors


def test_back_and_forward_after_paging_raise_no_errors(page: Page, org: Org, page_errors):
    sign_in(page, org.users["global_admin"])
    page.goto(f"/subscriptions/{org.s.pk}/users/?per_page=10")
    summary = page.locator(".pagination-summary")
    expect(summary).to_contain_text("Showing 1–10 of")

    page.get_by_role("link", name="Next").click()
    expect(summary).to_contain_text("Showing 11–")
    page.go_back()
    expect(summary).to_contain_text("Showing 1–10 of")
    page.go_forward()
    expect(summary).to_contain_text("Showing 11–")
    page.go_back()
    expect(summary).to_contain_text("Showing 1–10 of")
    expect(user_rows(page)).to_have_count(10)
    page.wait_for_timeout(300)
    assert page_errors == []


def test_the_bulk_bars_counts_follow_a_save_in_the_dialog(page: Page, org: Org):
    adele = org.adele
    sign_in(page, org.users["global_admin"])
    open_user_assignments(page, org.s)
    bulk_product = page.get_by_label("Product for selected users")
    bulk_product.select_option(label="OfficeSeries E5 (5 available)")

    dialog = open_license_dialog(page, adele)
    product_checkbox(dialog, org.e5).check()
    dialog.get_by_role("button", name="Save").click()

    expect(dialog).to_be_hidden()
    expect(bulk_product.locator("option", has_text="OfficeSeries E5")).to_have_text("OfficeSeries E5 (4 available)")
    expect(bulk_product.locator("option:checked")).to_have_text("OfficeSeries E5 (4 available)")  # still picked


def test_a_refused_bulk_action_keeps_the_ticked_rows(page: Page, org: Org, people, page_errors):
    chosen = [people[name] for name in ("Adele", "Joni", "Nestor")]
    sign_in(page, org.users["global_admin"])
    open_user_assignments(page, org.s)
    for user in chosen:
        page.get_by_role("checkbox", name=f"Select {user.display_name}", exact=True).check()
    bulk_product = page.get_by_label("Product for selected users")
    bulk_product.select_option(value=str(org.visio.pk))
    page.get_by_role("button", name="Assign to selected").click()

    expect(page.locator("#messages").get_by_role("alert")).to_have_text(
        "Not enough OfficeSeries Visio Plan 2 licenses: needs 3, 0 available."
    )
    for user in chosen:
        expect(page.get_by_role("checkbox", name=f"Select {user.display_name}", exact=True)).to_be_checked()
    expect(page.locator("[data-selected-count]")).to_have_text("3 selected")
    expect(bulk_product).to_have_value(str(org.visio.pk))
    assert page_errors == []

    # With one product that has room, the same selection goes through, and the list shows it.
    bulk_product.select_option(value=str(org.e5.pk))
    page.get_by_role("button", name="Assign to selected").click()
    expect(page.locator("#messages").get_by_role("status")).to_contain_text("Assigned OfficeSeries E5 to 3 users")
    for user in chosen:
        expect(licenses_cell(page, user)).to_have_text("OfficeSeries E5 Direct")


def test_a_rows_name_and_the_selected_row_open_the_users_license_assignments(page: Page, org: Org):
    adele, alex = org.adele, org.alex
    sign_in(page, org.users["global_admin"])
    open_user_assignments(page, org.s)

    user_row(page, adele).get_by_role("link", name="Adele Vance").click()
    dialog = license_dialog(page, adele)
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()

    open_selected = page.get_by_role("button", name="License assignments")
    expect(open_selected).to_be_disabled()
    user_row(page, alex).locator(".email-col").click()  # select the row
    expect(user_row(page, alex)).to_have_class(re.compile(r"\bis-selected\b"))
    expect(open_selected).to_be_enabled()
    open_selected.click()
    expect(product_checkbox(license_dialog(page, alex), org.e3)).to_be_checked()


def test_the_guides_references_lead_to_products_and_a_products_help(page: Page, org: Org):
    """Step 1's "Purchasing Products and Licenses" and the closing "How to Manage Product Licenses"."""
    sign_in(page, org.users["global_admin"])
    open_user_assignments(page, org.s)

    page.get_by_role("main").get_by_role("link", name="Products & licenses").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Products & licenses")
    page.get_by_role("link", name="OfficeSeries E5").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("OfficeSeries E5")
    expect(page.get_by_role("heading", name="How to manage OfficeSeries E5 licenses")).to_be_visible()
