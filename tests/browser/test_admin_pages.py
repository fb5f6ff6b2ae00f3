"""Roles, API tokens and a subscription's lifecycle in the browser: a Global Administrator grants a scoped role and
is refused taking the last Global Administrator's role away; an admin creates a token, copies its secret with the
copy button and revokes it (at desktop size and on a 390 px wide phone); a subscription is suspended on its
overview and given a new product with "Buy licenses"."""

import pytest
from playwright.sync_api import Page, expect

from accounts.choices import Role
from accounts.models import ApiToken, RoleAssignment
from accounts.services.tokens import api_token_authenticate
from licensing.choices import SubscriptionStatus
from licensing.models import LicensePool, Subscription
from tests.browser.conftest import sign_in
from tests.factories import ProductFactory
from tests.world import Org

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def assert_no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def test_grant_a_scoped_role_and_keep_the_last_global_admin(page: Page, org: Org):
    sign_in(page, org.users["global_admin"])
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Roles").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Roles")

    page.get_by_label("User's email").fill(org.adele.email)
    page.get_by_label("Role", exact=True).select_option(label="Subscription Administrator")
    page.get_by_label("Subscription", exact=True).select_option(label="Contoso Enterprise")
    page.get_by_role("button", name="Grant").click()

    expect(page.locator("#messages")).to_have_text(
        "Adele Vance is now Subscription Administrator of Contoso Enterprise."
    )
    expect(page.get_by_role("row", name="Adele Vance")).to_contain_text("Contoso Enterprise")
    assert set(RoleAssignment.objects.filter(user=org.adele).values_list("role", flat=True)) == {
        Role.SUBSCRIPTION_ADMIN
    }

    page.get_by_role("button", name="Revoke Global Administrator from Gloria Admin").click()

    expect(page.locator("#messages")).to_contain_text("The last active Global Administrator can neither be disabled")
    assert RoleAssignment.objects.filter(user=org.users["global_admin"], role=Role.GLOBAL_ADMIN).exists()


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_create_copy_and_revoke_an_api_token(page: Page, org: Org, viewport):
    if viewport:
        page.set_viewport_size(viewport)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    sign_in(page, org.users["subscription_admin"])
    page.get_by_role("navigation", name="Account").get_by_role("link", name="API tokens").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("API tokens")

    page.get_by_label("Name").fill("Nightly report")
    page.get_by_label("Expires").select_option(label="30 days")
    page.get_by_role("button", name="Create token").click()

    expect(page.locator("#token-secret")).to_contain_text("osat_")
    secret = page.locator("#token-secret").text_content()
    copy = page.locator("button[data-copy]")
    expect(copy).to_have_text("Copy")
    expect(copy).to_be_in_viewport()
    copy.click()
    expect(copy).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == secret
    assert api_token_authenticate(key=secret) == ApiToken.objects.get(user=org.users["subscription_admin"])
    assert_no_sideways_scroll(page)

    page.get_by_role("button", name="Revoke Nightly report").click()

    expect(page.locator("#messages")).to_have_text(
        "Revoked the API token Nightly report: it no longer signs anything in."
    )
    expect(page.locator("#token-secret")).to_have_count(0)  # shown once
    assert api_token_authenticate(key=secret) is None


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_suspend_a_subscription_and_buy_licenses(page: Page, org: Org, viewport):
    if viewport:
        page.set_viewport_size(viewport)
    project = ProductFactory(name="OfficeSeries Project Plan 3", sku_part_number="PROJECT_P3")
    sign_in(page, org.users["global_admin"])
    expect(page.get_by_role("group", name="Licenses across your subscriptions")).to_contain_text("Licenses owned")
    page.get_by_role("link", name="Contoso Enterprise").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Overview")

    page.get_by_label("Change the status to").select_option(label="Suspended")
    page.get_by_role("button", name="Change status").click()

    expect(page.locator("#messages")).to_have_text("Contoso Enterprise is now suspended.")
    expect(page.get_by_text("This subscription is suspended")).to_be_visible()
    assert Subscription.objects.get(pk=org.s.pk).status == SubscriptionStatus.SUSPENDED
    assert_no_sideways_scroll(page)

    page.get_by_role("link", name="Products & licenses").click()
    page.get_by_label("Product", exact=True).select_option(label="OfficeSeries Project Plan 3")
    page.get_by_label("Quantity", exact=True).fill("25")
    buy = page.get_by_role("button", name="Buy licenses")
    expect(buy).to_be_in_viewport()
    buy.click()

    expect(page.locator("#messages")).to_have_text(
        "Added OfficeSeries Project Plan 3 to Contoso Enterprise: 25 licenses."
    )
    expect(page.get_by_role("row", name="OfficeSeries Project Plan 3")).to_contain_text("25")
    assert LicensePool.objects.get(subscription=org.s, product=project).quantity == 25
    assert_no_sideways_scroll(page)
