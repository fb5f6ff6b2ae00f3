"""Downloads: a filtered User License Assignments list downloads as CSV with what the list shows, every row of
it; on a phone the download links are reachable too."""

import csv
import io

import pytest
from playwright.sync_api import Page, expect

from accounts.models import User
from tests.browser.conftest import open_user_assignments, show_all_filters, sign_in, user_rows
from tests.world import Org

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def downloaded_emails(page: Page, link: str) -> list[str]:
    with page.expect_download() as started:
        page.get_by_role("link", name=link).click()
    with open(started.value.path(), encoding="utf-8-sig") as handle:
        return [record["email"] for record in csv.DictReader(io.StringIO(handle.read()))]


@pytest.mark.parametrize("viewport", [{"width": 1440, "height": 900}, {"width": 390, "height": 844}])
def test_the_filtered_list_downloads_as_csv(page: Page, org: Org, viewport):
    page.set_viewport_size(viewport)
    sign_in(page, org.users["global_admin"])
    open_user_assignments(page, org.s)

    show_all_filters(page)
    page.get_by_label("License status").select_option(label="Licensed (a license in this subscription)")
    page.get_by_role("button", name="Apply filters").click()
    licensed = User.objects.filter(license_assignments__pool__subscription=org.s).distinct().order_by("display_name")
    expect(user_rows(page)).to_have_count(len(licensed))
    page.get_by_role("link", name="Download CSV").scroll_into_view_if_needed()
    expect(page.get_by_role("link", name="Download XLSX")).to_be_in_viewport()

    assert downloaded_emails(page, "Download CSV") == [user.email for user in licensed]
