"""The "Add or remove licenses" dialog with a license from a group: locked, named, and kept by a Save."""

import pytest
from playwright.sync_api import Page, expect

from accounts.choices import GroupKind
from accounts.services.groups import group_create, group_members_change
from core.audit import Actor
from core.choices import Source
from licensing.models import LicenseAssignment
from licensing.services.group_licenses import group_licenses_change
from tests.browser.conftest import (
    licenses_cell,
    open_license_dialog,
    open_user_assignments,
    product_checkbox,
    sign_in,
    success_message,
)
from tests.world import Org

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SYSTEM = Actor(None, Source.CLI, label="test")


def test_a_group_license_is_locked_and_survives_a_save(page: Page, org: Org, assert_pool_counters):
    sales = group_create(by=SYSTEM, name="Sales", kind=GroupKind.ASSIGNED)
    group_licenses_change(by=SYSTEM, group=sales, subscription=org.s, add=[org.e3])
    group_members_change(by=SYSTEM, group=sales, add=[org.adele])

    sign_in(page, org.users["global_admin"])
    open_user_assignments(page, org.s)
    expect(licenses_cell(page, org.adele)).to_have_text("OfficeSeries E3 from Sales")
    dialog = open_license_dialog(page, org.adele)

    e3 = product_checkbox(dialog, org.e3)
    expect(e3).to_be_checked()
    expect(e3).to_be_disabled()
    expect(e3).to_have_accessible_description("from group Sales")
    product_checkbox(dialog, org.e5).check()
    dialog.get_by_role("button", name="Save").click()

    expect(dialog).to_be_hidden()
    expect(success_message(page)).to_contain_text("Licenses updated for Adele Vance: added OfficeSeries E5")
    expect(licenses_cell(page, org.adele)).to_have_text("OfficeSeries E3 from Sales, OfficeSeries E5 Direct")
    assert org.held(org.adele) == {"OfficeSeries E3", "OfficeSeries E5"}
    assert LicenseAssignment.objects.get(user=org.adele, pool=org.pool_e3).direct is False
    assert_pool_counters()
