"""Signing in and the admin center home (guide, step 1: check product and license availability)."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in
from tests.world import Org

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_in_lands_on_home_with_availability_per_product(page: Page, org: Org):
    sign_in(page, org.users["global_admin"])

    card = page.locator("section", has=page.get_by_role("heading", name="Contoso Enterprise"))
    expect(card).to_contain_text("OfficeSeries E3")
    expect(card).to_contain_text("17 of 20 available")
    expect(card).to_contain_text("5 of 5 available")
    expect(card).to_contain_text("0 of 1 available")
    expect(page.get_by_role("heading", name="Fabrikam Research")).to_be_visible()


def test_wrong_password_is_refused(page: Page, org: Org):
    page.goto("/accounts/sign-in/")
    page.get_by_label("Email").fill(org.users["global_admin"].email)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")


def test_subscription_admin_sees_only_their_subscription(page: Page, org: Org):
    sign_in(page, org.users["subscription_admin"])

    expect(page.get_by_role("heading", name="Contoso Enterprise")).to_be_visible()
    expect(page.get_by_role("heading", name="Fabrikam Research")).to_have_count(0)


def test_subscription_admin_cannot_open_another_subscription(page: Page, org: Org):
    other, adele = org.t, org.adele
    sign_in(page, org.users["subscription_admin"])

    for path in (
        f"/subscriptions/{other.pk}/",
        f"/subscriptions/{other.pk}/users/",
        f"/subscriptions/{other.pk}/users/{adele.pk}/licenses/",
    ):
        response = page.goto(path)
        assert response.status == 404, path
        expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
        expect(page.get_by_role("main")).not_to_contain_text("Fabrikam Research")

    response = page.goto(f"/subscriptions/{org.s.pk}/users/")
    assert response.status == 200
    expect(page.get_by_role("heading", level=1)).to_contain_text("User License Assignments")
