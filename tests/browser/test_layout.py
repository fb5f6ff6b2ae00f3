"""Responsive and dense (issue 15), measured: at 1440 × 900 a dozen user rows fit above the fold of User License
Assignments and license chips keep a row one line tall; at 390 × 844 the first row's "Add or remove licenses" is on
the first screen, the subscription's menu wraps inside the screen, and no main page scrolls sideways."""

import pytest
from playwright.sync_api import Page, expect

from core.audit import Actor
from core.choices import Source
from licensing.services.assignments import user_licenses_change
from tests.browser.conftest import add_or_remove_button, open_user_assignments, sign_in, user_row, user_rows
from tests.factories import LicensePoolFactory
from tests.world import Org

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


def bottom(box: dict) -> float:
    return box["y"] + box["height"]


def test_on_a_desktop_twelve_rows_fit_above_the_fold(page: Page, org: Org):
    for _ in range(5):  # eight products, as in the demo's subscriptions
        LicensePoolFactory(subscription=org.s, quantity=10)
    page.set_viewport_size(DESKTOP)
    sign_in(page, org.users["global_admin"])
    open_user_assignments(page, org.s)

    assert bottom(user_rows(page).nth(11).bounding_box()) <= DESKTOP["height"]
    # The pools are one strip, not a grid of cards.
    expect(page.locator(".pool-chip")).to_have_count(8)
    assert page.locator("#pool-summary").bounding_box()["height"] <= 40


def test_license_chips_do_not_make_a_row_taller(page: Page, org: Org):
    user_licenses_change(user=org.alex, subscription=org.s, add=[org.e5], by=Actor(None, Source.SYSTEM))
    page.set_viewport_size(DESKTOP)
    sign_in(page, org.users["global_admin"])
    open_user_assignments(page, org.s)

    alex, adele = user_row(page, org.alex), user_row(page, org.adele)  # two licenses, none
    expect(alex.locator(".license-chip")).to_have_count(2)
    assert alex.bounding_box()["height"] <= adele.bounding_box()["height"] + 1


def test_on_a_phone_the_first_rows_action_is_on_the_first_screen(page: Page, org: Org):
    page.set_viewport_size(PHONE)
    sign_in(page, org.users["global_admin"])
    open_user_assignments(page, org.s)

    button = add_or_remove_button(page, org.adele).bounding_box()  # Adele comes first by name
    assert button["x"] >= 0 and button["x"] + button["width"] <= PHONE["width"]
    assert bottom(button) <= PHONE["height"]
    for link in page.get_by_role("navigation", name="Subscription settings").get_by_role("link").all():
        box = link.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], link.inner_text()


def test_on_a_phone_the_folded_filters_open(page: Page, org: Org):
    page.set_viewport_size(PHONE)
    sign_in(page, org.users["global_admin"])
    open_user_assignments(page, org.s)

    department = page.get_by_label("Department")
    expect(department).to_be_hidden()
    page.get_by_text("More filters").click()
    department.select_option(label="Sales")
    page.get_by_role("button", name="Apply filters").click()
    expect(user_rows(page)).to_have_count(3)  # Adele, Isaiah and Morgan


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/subscriptions/{s}/",
        "/subscriptions/{s}/products/",
        "/subscriptions/{s}/users/",
        "/subscriptions/{s}/audit/",
        "/users/",
        "/users/{alex}/",
        "/groups/",
        "/roles/",
        "/account/tokens/",
    ],
)
def test_on_a_phone_no_page_scrolls_sideways(page: Page, org: Org, path: str):
    page.set_viewport_size(PHONE)
    sign_in(page, org.users["global_admin"])
    page.goto(path.format(s=org.s.pk, alex=org.alex.pk))
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
