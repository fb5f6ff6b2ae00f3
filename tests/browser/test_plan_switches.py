"""The apps of a product in the "Add or remove licenses" dialog: switches a keyboard or a pointer flips, saved with
the license, and read-only for a license from a group."""

import pytest
from playwright.sync_api import Page, expect

from accounts.services.groups import group_members_change
from core.audit import Actor
from core.choices import Source
from licensing.services.group_licenses import group_licenses_change
from tests.browser.conftest import (
    filter_users,
    license_dialog,
    open_license_dialog,
    open_user_assignments,
    product_checkbox,
    sign_in,
    success_message,
)
from tests.factories import GroupFactory
from tests.world import Org

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_app_switched_off_is_saved_with_the_license(page: Page, org: Org):
    sign_in(page, org.users["global_admin"])
    open_user_assignments(page, org.s)
    filter_users(page, "Adele")
    dialog = open_license_dialog(page, org.adele)

    product_checkbox(dialog, org.e5).check()
    apps = dialog.get_by_role("list", name="Apps in OfficeSeries E5")
    teams = apps.get_by_role("switch", name="Microsoft Teams", exact=True)
    expect(teams).to_be_checked()
    teams.focus()
    page.keyboard.press("Space")
    expect(teams).not_to_be_checked()
    apps.get_by_role("switch", name="Microsoft Teams Phone").click()
    dialog.get_by_role("button", name="Save").click()

    expect(success_message(page)).to_contain_text("Licenses updated for Adele Vance: added OfficeSeries E5")
    off = sorted(str(org.plans[name].service_plan_id) for name in ("TEAMS1", "MCOEV"))
    assert org.assignment(org.adele, org.pool_e5).disabled_plans == off

    # Opened again, the switches show the apps as saved.
    dialog = open_license_dialog(page, org.adele)
    apps = dialog.get_by_role("list", name="Apps in OfficeSeries E5")
    expect(apps.get_by_role("switch", name="Microsoft Teams", exact=True)).not_to_be_checked()
    expect(apps.get_by_role("switch", name="Exchange Online (Plan 2)")).to_be_checked()


def test_the_apps_of_a_license_from_a_group_are_read_only(page: Page, org: Org):
    by = Actor(None, Source.CLI, label="test")
    sales = GroupFactory(name="Sales")
    group_members_change(by=by, group=sales, add=[org.adele])
    group_licenses_change(by=by, group=sales, subscription=org.s, add=[org.e5], disabled_plans={org.e5: ["MCOEV"]})
    sign_in(page, org.users["global_admin"])
    open_user_assignments(page, org.s)
    filter_users(page, "Adele")
    dialog = open_license_dialog(page, org.adele)

    apps = dialog.get_by_role("list", name="Apps in OfficeSeries E5 (as the user has them from groups)")
    expect(apps.get_by_role("switch", name="Microsoft Teams Phone")).to_be_disabled()
    expect(apps.get_by_role("switch", name="Microsoft Teams Phone")).not_to_be_checked()
    expect(apps.get_by_role("switch", name="Microsoft Teams", exact=True)).to_be_checked()
    expect(license_dialog(page, org.adele)).to_be_visible()
