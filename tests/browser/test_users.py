"""The Users section in the browser: an admin finds a user in the organisation's list, ticks rows and adds them to
a group after the confirmation, opens a user's page, edits it, and deletes a user after the confirmation that
lists their licenses; on a phone-sized screen a user's page is reached from the list."""

import pytest
from playwright.sync_api import Page, expect

from accounts.models import GroupMembership, User
from tests.browser.conftest import sign_in
from tests.factories import GroupFactory
from tests.world import Org

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_users(page: Page) -> None:
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Users").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Users")


def test_find_bulk_add_to_group_edit_and_delete(page: Page, org: Org):
    GroupFactory(name="Sales team")
    sign_in(page, org.users["user_admin"])
    open_users(page)

    page.get_by_label("Department").select_option(label="Sales")
    expect(page.locator("tr[data-user-id]")).to_have_count(3)  # Adele, Isaiah and Morgan
    page.get_by_label("Department").select_option(label="All departments")
    expect(page.locator("tr[data-user-id]")).to_have_count(16)
    page.get_by_role("checkbox", name="Select Adele Vance").check()
    page.get_by_role("checkbox", name="Select Alex Wilber").check()
    expect(page.locator("[data-selected-count]")).to_have_text("2 selected")
    page.get_by_label("With the selected users").select_option(label="Add to group")
    page.get_by_label("Group for the selected users").select_option(label="Sales team")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add 2 users to Sales team?")
    page.get_by_role("button", name="Add to group").click()
    expect(page.locator("#messages")).to_have_text("Added 2 users to Sales team.")
    assert GroupMembership.objects.filter(group__name="Sales team").count() == 2

    page.get_by_role("link", name="Alex Wilber").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Alex Wilber")
    expect(page.get_by_role("link", name="Sales team")).to_be_visible()
    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Job title").fill("Marketing lead")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#messages")).to_have_text("Saved alex.wilber@contoso.test.")

    e3_assigned = org.pool(org.pool_e3).assigned
    page.get_by_role("link", name="Delete").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete Alex Wilber?")
    expect(page.locator(".delete-licenses li")).to_have_count(2)  # E3 in both subscriptions
    page.get_by_role("button", name="Delete").click()
    expect(page.locator("#messages")).to_contain_text("Deleted alex.wilber@contoso.test")
    assert not User.objects.filter(email="alex.wilber@contoso.test").exists()
    assert org.pool(org.pool_e3).assigned == e3_assigned - 1


def test_a_user_admin_sees_why_an_admins_account_is_locked(page: Page, org: Org):
    sign_in(page, org.users["user_admin"])
    page.goto(f"/users/{org.users['global_admin'].pk}/")
    expect(page.locator("#account-locked")).to_have_text("Only a Global Administrator may change an admin's account.")
    expect(page.get_by_role("link", name="Edit")).to_have_count(0)


def test_on_a_phone_a_user_is_reached(page: Page, org: Org):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, org.users["global_admin"])
    page.goto("/users/")
    first_link = page.locator("tr[data-user-id]").first.get_by_role("link")
    first_link.scroll_into_view_if_needed()
    expect(first_link).to_be_in_viewport()
    first_link.click()
    expect(page.get_by_role("heading", name="Recent activity")).to_be_attached()
