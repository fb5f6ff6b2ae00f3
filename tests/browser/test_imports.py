"""CSV upload in the browser: a file of users is previewed (counts, first rows) and applied with the file still
chosen; a file of license changes with a bad row lists it by line and changes nothing. On a phone too."""

import re

import pytest
from playwright.sync_api import Page, expect

from accounts.models import User
from licensing.models import LicenseAssignment
from tests.browser.conftest import open_user_assignments, sign_in, success_message
from tests.world import Org

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = [{"width": 1440, "height": 900}, {"width": 390, "height": 844}]


LARGE = 5000  # rows: the users service writes them in batches of 2,000, so the count moves on the way

# Every text the progress line shows, in order, kept in window.statuses.
RECORD_STATUSES = """() => {
  window.statuses = [];
  const status = document.querySelector(".upload-status");
  new MutationObserver(() => window.statuses.push(status.textContent))
    .observe(status, { childList: true, characterData: true, subtree: true });
}"""


def choose_file(page: Page, name: str, text: str) -> None:
    page.get_by_label("CSV file").set_input_files({"name": name, "mimeType": "text/csv", "buffer": text.encode()})


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_users_are_previewed_then_imported(page: Page, org: Org, viewport):
    page.set_viewport_size(viewport)
    sign_in(page, org.users["user_admin"])
    page.goto("/users/")
    page.get_by_role("link", name="Import users").click()

    choose_file(page, "joiners.csv", "email,display_name,department\nnia.new@contoso.test,Nia New,Sales\n")
    page.get_by_role("button", name="Preview").click()
    counts = page.locator(".import-counts")
    expect(counts).to_contain_text("1 created")
    expect(page.get_by_role("cell", name="nia.new@contoso.test")).to_be_visible()
    assert not User.objects.filter(email="nia.new@contoso.test").exists()

    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url("/users/")
    expect(success_message(page)).to_contain_text("Applied joiners.csv: created 1")
    assert User.objects.get(email="nia.new@contoso.test").display_name == "Nia New"


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_bad_assignments_row_is_listed_and_nothing_changes(page: Page, org: Org, viewport):
    page.set_viewport_size(viewport)
    sign_in(page, org.users["subscription_admin"])
    open_user_assignments(page, org.s)
    page.get_by_role("link", name="Upload assignments").click()

    rows = [f"{org.adele.email},{org.s.name},OFFICESERIES_E3,assign", f"{org.alex.email},{org.s.name},E3,move"]
    choose_file(page, "moves.csv", "email,subscription,sku,action\n" + "\n".join(rows) + "\n")
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("alert")).to_contain_text("nothing was written")
    expect(page.locator(".import-errors")).to_contain_text("Line 3: action 'move'")
    expect(page.get_by_role("button", name="Apply")).to_have_count(0)
    assert not LicenseAssignment.objects.filter(user=org.adele).exists()


def large_users_file(bad_line: int = 0) -> str:
    """LARGE new users; the row on `bad_line` (the header is line 1) with an account status that is not one."""
    rows = [f"bulk.{n}@contoso.test,Bulk {n},Sales,{'maybe' if n + 2 == bad_line else 'true'}" for n in range(LARGE)]
    return "email,display_name,department,is_active\n" + "\n".join(rows) + "\n"


def test_a_large_file_shows_the_rows_done_up_to_100_percent(page: Page, org: Org):
    sign_in(page, org.users["user_admin"])
    page.goto("/users/import/")
    page.evaluate(RECORD_STATUSES)

    choose_file(page, "everyone.csv", large_users_file())
    page.get_by_role("button", name="Preview").click()
    expect(page.locator(".upload-status")).to_have_text("5,000 of 5,000 rows done: 100 %")
    expect(page.locator(".import-counts")).to_contain_text("5,000 created")
    server = [text for text in page.evaluate("window.statuses") if "rows done" in text]
    percents = [int(re.search(r"(\d+) %", text)[1]) for text in server]
    assert percents == sorted(percents) and percents[0] < 100, server  # counted as the rows went, not only at the end
    assert not User.objects.filter(email__startswith="bulk.").exists()


def test_a_large_files_bad_row_is_listed_by_line(page: Page, org: Org):
    sign_in(page, org.users["user_admin"])
    page.goto("/users/import/")

    choose_file(page, "everyone.csv", large_users_file(bad_line=4321))
    page.get_by_role("button", name="Preview").click()
    expect(page.locator(".import-errors")).to_contain_text("Line 4321: is_active 'maybe'")
    expect(page.locator(".upload-progress")).to_be_hidden()  # no row was done: the file was refused whole
