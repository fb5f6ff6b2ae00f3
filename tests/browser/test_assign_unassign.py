"""The guide "How to Assign or Unassign User Licenses", step by step, and the dialog's rules."""

import re

import pytest
from playwright.sync_api import Page, expect

from core.audit import Actor
from core.choices import Source
from licensing.services.assignments import user_licenses_change
from licensing.services.bulk import licenses_bulk_assign
from tests.browser.conftest import (
    add_or_remove_button,
    filter_users,
    license_dialog,
    licenses_cell,
    open_license_dialog,
    open_user_assignments,
    pool_summary,
    product_checkbox,
    product_label,
    sign_in,
    success_message,
    user_row,
    user_rows,
)
from tests.world import Org

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NONE_AVAILABLE = "None available — free a license or buy more"


def test_assign_then_unassign_following_the_guide(page: Page, org: Org, assert_pool_counters):
    adele = org.adele

    # Assign, step 1: check product and license availability.
    sign_in(page, org.users["global_admin"])
    card = page.locator("section", has=page.get_by_role("heading", name="Contoso Enterprise"))
    expect(card).to_contain_text("5 of 5 available")

    # Step 2: the subscription's settings, then "User License Assignments" in the left menu.
    page.get_by_role("link", name="Contoso Enterprise").click()
    menu = page.get_by_role("navigation", name="Subscription settings")
    expect(menu.get_by_role("link")).to_have_text(
        ["Overview", "Products & licenses", "User License Assignments", "Audit log"]
    )
    menu.get_by_role("link", name="User License Assignments").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("User License Assignments")
    expect(menu.get_by_role("link", name="User License Assignments")).to_have_attribute("aria-current", "page")
    expect(pool_summary(page)).to_contain_text("5 of 5 available")

    # Step 3: filter the list to the user, then "Add or remove licenses" on their row.
    filter_users(page, "Adele")
    expect(user_rows(page)).to_have_count(1)
    expect(licenses_cell(page, adele)).to_have_text("No licenses")
    dialog = open_license_dialog(page, adele)

    # Step 4: choose the product.
    expect(product_label(dialog, org.e5)).to_contain_text("5 of 5 available")
    expect(product_checkbox(dialog, org.e5)).not_to_be_checked()
    product_checkbox(dialog, org.e5).check()

    # Step 5: save, and verify at once: the row, the pool count, the message.
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    expect(success_message(page)).to_contain_text("Licenses updated for Adele Vance: added OfficeSeries E5")
    expect(licenses_cell(page, adele)).to_have_text("OfficeSeries E5 Direct")
    expect(pool_summary(page)).to_contain_text("4 of 5 available")
    assert org.held(adele) == {"OfficeSeries E5"}
    assert org.pool(org.pool_e5).assigned == 1

    # ... and on the user's profile, with who assigned it.
    user_row(page, adele).get_by_role("link", name="Profile").click()
    expect(page).to_have_url(re.compile(rf"/users/{adele.pk}/$"))
    profile = page.get_by_role("main")
    expect(profile).to_contain_text("OfficeSeries E5")
    expect(profile).to_contain_text("Contoso Enterprise")
    expect(profile).to_contain_text(re.compile(r"Gloria Admin|gloria\.admin@contoso\.test"))

    # Unassign, steps 1-3: same way in, filter, uncheck, save.
    page.goto("/")
    page.get_by_role("link", name="Contoso Enterprise").click()
    page.get_by_role("navigation", name="Subscription settings").get_by_role(
        "link", name="User License Assignments"
    ).click()
    filter_users(page, "adele.vance@")
    expect(user_rows(page)).to_have_count(1)
    # Step 2, "Select the user's row"; step 3, "Click 'License assignments'".
    user_row(page, adele).locator(".email-col").click()
    expect(page.get_by_role("checkbox", name="Select Adele Vance")).to_be_checked()
    page.get_by_role("button", name="License assignments").click()
    dialog = license_dialog(page, adele)
    expect(product_checkbox(dialog, org.e5)).to_be_checked()
    product_checkbox(dialog, org.e5).uncheck()
    dialog.get_by_role("button", name="Save").click()

    # Step 4: confirm the removal; the license is back in the pool.
    expect(dialog).to_be_hidden()
    expect(success_message(page)).to_contain_text("Licenses updated for Adele Vance: removed OfficeSeries E5")
    expect(licenses_cell(page, adele)).to_have_text("No licenses")
    expect(pool_summary(page)).to_contain_text("5 of 5 available")
    assert org.held(adele) == set()
    assert org.pool(org.pool_e5).assigned == 0
    user_row(page, adele).get_by_role("link", name="Profile").click()
    expect(page).to_have_url(re.compile(rf"/users/{adele.pk}/$"))
    # Its licenses no longer list E5 (its recent activity still names it, in the unassignment).
    expect(page.get_by_role("region", name="Licenses")).not_to_contain_text("OfficeSeries E5")
    assert_pool_counters()


def test_one_save_adds_and_removes(page: Page, org: Org, assert_pool_counters):
    alex = org.alex
    sign_in(page, org.users["global_admin"])
    open_user_assignments(page, org.s)
    expect(licenses_cell(page, alex)).to_have_text("OfficeSeries E3 Direct")

    dialog = open_license_dialog(page, alex)
    product_checkbox(dialog, org.e3).uncheck()
    product_checkbox(dialog, org.e5).check()
    dialog.get_by_role("button", name="Save").click()

    expect(dialog).to_be_hidden()
    expect(success_message(page)).to_contain_text(
        "Licenses updated for Alex Wilber: added OfficeSeries E5; removed OfficeSeries E3."
    )
    expect(licenses_cell(page, alex)).to_have_text("OfficeSeries E5 Direct")
    expect(pool_summary(page)).to_contain_text("18 of 20 available")
    expect(pool_summary(page)).to_contain_text("4 of 5 available")
    assert org.held(alex) == {"OfficeSeries E5"}
    assert_pool_counters()


def test_exhausted_product_is_disabled_for_users_who_do_not_hold_it(page: Page, org: Org, assert_pool_counters):
    adele, henrietta = org.adele, org.henrietta
    sign_in(page, org.users["global_admin"])
    open_user_assignments(page, org.s)
    expect(pool_summary(page)).to_contain_text("0 of 1 available")

    dialog = open_license_dialog(page, adele)
    expect(product_label(dialog, org.visio)).to_contain_text("0 of 1 available")
    expect(product_checkbox(dialog, org.visio)).to_be_disabled()
    expect(dialog.get_by_text(NONE_AVAILABLE)).to_be_visible()
    expect(product_checkbox(dialog, org.e3)).to_be_enabled()
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()

    # A holder of the exhausted product may keep or release it; releasing it frees it for others.
    dialog = open_license_dialog(page, henrietta)
    expect(product_checkbox(dialog, org.visio)).to_be_checked()
    expect(product_checkbox(dialog, org.visio)).to_be_enabled()
    expect(dialog.get_by_text(NONE_AVAILABLE)).to_have_count(0)
    product_checkbox(dialog, org.visio).uncheck()
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    expect(pool_summary(page)).to_contain_text("1 of 1 available")

    dialog = open_license_dialog(page, adele)
    expect(product_checkbox(dialog, org.visio)).to_be_enabled()
    expect(product_label(dialog, org.visio)).to_contain_text("1 of 1 available")
    assert_pool_counters()


def test_dialog_is_keyboard_friendly(page: Page, org: Org, assert_pool_counters):
    adele = org.adele
    sign_in(page, org.users["global_admin"])
    open_user_assignments(page, org.s)

    add_or_remove_button(page, adele).focus()
    page.keyboard.press("Enter")
    dialog = license_dialog(page, adele)
    expect(dialog).to_be_visible()
    expect(dialog).to_have_attribute("aria-modal", "true")
    focus_inside = dialog.and_(page.locator(":focus-within"))
    expect(focus_inside).to_have_count(1)

    # Tab cycles through the dialog's controls (2 enabled checkboxes, Save, Cancel, maybe a close button).
    for _ in range(6):
        page.keyboard.press("Tab")
        expect(focus_inside).to_have_count(1)

    # A change that is not saved is dropped by Escape.
    product_checkbox(dialog, org.e5).focus()
    page.keyboard.press("Space")
    expect(product_checkbox(dialog, org.e5)).to_be_checked()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(licenses_cell(page, adele)).to_have_text("No licenses")
    assert org.held(adele) == set()
    assert_pool_counters()


def test_save_fails_when_the_last_license_was_taken_meanwhile(page: Page, org: Org, people, assert_pool_counters):
    adele, patti = org.adele, people["Patti"]
    others = [people[name] for name in ("Joni", "Lidia", "Megan", "Nestor")]
    licenses_bulk_assign(subscription=org.s, product=org.e5, users=others, by=Actor(None, Source.SYSTEM))
    sign_in(page, org.users["global_admin"])
    open_user_assignments(page, org.s)

    dialog = open_license_dialog(page, adele)
    expect(product_label(dialog, org.e5)).to_contain_text("1 of 5 available")
    product_checkbox(dialog, org.e3).check()
    product_checkbox(dialog, org.e5).check()

    # Another admin takes the last E5 license between opening the dialog and Save.
    user_licenses_change(user=patti, subscription=org.s, add=[org.e5], by=Actor(org.users["global_admin"], Source.WEB))
    dialog.get_by_role("button", name="Save").click()

    expect(dialog.get_by_role("alert")).to_contain_text("Not enough OfficeSeries E5 licenses: needs 1, 0 available.")
    expect(dialog).to_be_visible()
    expect(licenses_cell(page, adele)).to_have_text("No licenses")
    expect(page.locator("#messages")).not_to_contain_text("Licenses updated")
    # All or nothing: the E3 license, which was available, was not assigned either.
    assert org.held(adele) == set()
    assert org.pool(org.pool_e3).assigned == 3
    assert org.pool(org.pool_e5).assigned == 5
    assert_pool_counters()
