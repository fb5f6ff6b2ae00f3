"""License alerts in the browser (README, "Alerts"): the unread count in the top bar leads to the Notices page, where
notices are marked read one by one and all at once; the Alerts page saves which alerts reach the admin, and how; the
top bar still fits a phone."""

import pytest
from playwright.sync_api import Page, expect

from core.audit import SYSTEM
from licensing.models import AlertPreference
from licensing.services.alerts import pool_alerts_check
from tests.browser.conftest import sign_in
from tests.world import Org

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def account_menu(page: Page):
    return page.get_by_role("navigation", name="Account")


def test_the_badge_leads_to_the_notices_which_are_marked_read(page: Page, org: Org):
    pool_alerts_check(by=SYSTEM)  # Visio in Contoso Enterprise is full: 90 % and 100 %
    sign_in(page, org.users["subscription_admin"])

    notices_link = account_menu(page).get_by_role("link", name="Notices 2 unread")
    expect(notices_link).to_be_visible()
    notices_link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Notices")
    notices = page.get_by_role("list", name="Notices").get_by_role("listitem")
    expect(notices).to_have_count(2)
    expect(notices.first).to_contain_text("1 of 1 assigned (100 %), 0 free, 0 waiting.")

    page.get_by_role(
        "button", name="Mark read: No license free, OfficeSeries Visio Plan 2 in Contoso Enterprise"
    ).click()
    expect(account_menu(page).get_by_role("link", name="Notices 1 unread")).to_be_visible()
    page.get_by_role("button", name="Mark all read").click()
    expect(page.locator("#messages")).to_have_text("Marked 1 notice read.")
    expect(account_menu(page).get_by_role("link", name="Notices", exact=True)).to_be_visible()

    page.get_by_role("link", name="OfficeSeries Visio Plan 2").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Products & licenses")


def test_the_alerts_page_saves_what_reaches_the_admin(page: Page, org: Org):
    gloria = org.users["global_admin"]
    sign_in(page, gloria)
    account_menu(page).get_by_role("link", name="Alerts").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Alert settings")
    email_90 = page.get_by_role("checkbox", name="90 % of licenses assigned: by e-mail")
    expect(email_90).to_be_checked()

    email_90.uncheck()
    page.get_by_role("checkbox", name="Runs out soon: in the admin center").uncheck()
    page.get_by_role("button", name="Save").click()

    expect(page.locator("#messages")).to_have_text("Your alert settings are saved.")
    expect(email_90).not_to_be_checked()
    chosen = {p.kind: (p.by_email, p.in_admin_center) for p in AlertPreference.objects.filter(user=gloria)}
    assert chosen["usage_90"] == (False, True) and chosen["forecast"] == (True, False)


def test_the_top_bar_with_its_badge_fits_a_phone(page: Page, org: Org):
    pool_alerts_check(by=SYSTEM)
    page.set_viewport_size(PHONE)
    sign_in(page, org.users["global_admin"])
    expect(account_menu(page).get_by_role("link", name="Notices 2 unread")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
