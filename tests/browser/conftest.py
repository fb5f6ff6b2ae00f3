"""Browser-test setup: Debian's Chromium driven by Playwright against Django's live server.

Playwright never downloads a browser here: it launches the system Chromium by path. Its sync API runs an event
loop in the test thread, so Django's async-safety guard is lifted for the ORM calls the tests make themselves.
"""

import os
import re
import shutil

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
# The live server listens on 127.0.0.1 (not "localhost", which may resolve to ::1 first) without a CLI flag.
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")

import pytest  # noqa: E402
from playwright.sync_api import BrowserContext, Locator, Page, expect  # noqa: E402

from accounts.models import User  # noqa: E402
from core.audit import Actor  # noqa: E402
from core.choices import Source  # noqa: E402
from licensing.models import Product, Subscription  # noqa: E402
from licensing.services.bulk import licenses_bulk_assign  # noqa: E402
from tests.factories import PASSWORD, UserFactory  # noqa: E402
from tests.world import Org, org_build  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Auto-waiting assertions give up after this long: a failing test fails in seconds, a passing one waits nothing.
expect.set_options(timeout=10_000)

# Colleagues the shared organisation does not have, so that the list spans pages: (display name, department).
# First names are unique, so a search for one finds exactly one user.
COLLEAGUES = [
    ("Diego Siciliani", "Engineering"),
    ("Grady Archie", "Engineering"),
    ("Isaiah Langer", "Sales"),
    ("Johanna Lorenz", "Engineering"),
    ("Joni Sherman", "Legal"),
    ("Lidia Holloway", "Marketing"),
    ("Megan Bowen", "Marketing"),
    ("Nestor Wilke", "Operations"),
    ("Patti Fernandez", "Executive"),
]


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict:
    executable = CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
    return {
        "executable_path": executable,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def base_url(live_server) -> str:
    """Relative `page.goto()` paths resolve against the live server."""
    return live_server.url


@pytest.fixture(autouse=True)
def _short_timeouts(context: BrowserContext) -> None:
    """A missing element fails the test in seconds rather than after Playwright's 30-second default."""
    context.set_default_timeout(10_000)


@pytest.fixture
def org(transactional_db) -> Org:
    """tests/world.py's organisation, committed (a transactional test) so that the live server sees it."""
    return org_build()


@pytest.fixture(autouse=True)
def people(org: Org) -> dict[str, User]:
    """Everyone without an admin role but Morgan, by first name: the organisation's Adele, Alex and Henrietta, and
    the COLLEAGUES. Diego and Grady hold E3 as Alex does, so E3 has 17 of 20 available."""
    colleagues = {
        name.split()[0]: UserFactory(
            display_name=name, email=f"{name.lower().replace(' ', '.')}@contoso.test", department=department
        )
        for name, department in COLLEAGUES
    }
    licenses_bulk_assign(
        subscription=org.s,
        product=org.e3,
        users=[colleagues["Diego"], colleagues["Grady"]],
        by=Actor(None, Source.SYSTEM),
    )
    return {"Adele": org.adele, "Alex": org.alex, "Henrietta": org.henrietta, **colleagues}


def sign_in(page: Page, user: User) -> None:
    """Sign in through the sign-in page, as an admin does; lands on the admin center home."""
    page.goto("/accounts/sign-in/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Sign in")


def open_user_assignments(page: Page, subscription: Subscription) -> None:
    """Go straight to the subscription's "User License Assignments" page (the guide's path is walked in
    test_assign_unassign.py)."""
    page.goto(f"/subscriptions/{subscription.pk}/users/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("User License Assignments")


def filter_users(page: Page, text: str) -> None:
    """Search by name or email; works with and without JavaScript (the button submits the GET form)."""
    page.get_by_label("Search by name or email").fill(text)
    page.get_by_role("button", name="Apply filters").click()


def show_all_filters(page: Page) -> None:
    """On a phone-sized screen the filters after the search box fold under "More filters": unfold them."""
    more = page.get_by_text("More filters", exact=True)
    if more.is_visible():
        more.click()


def user_rows(page: Page) -> Locator:
    return page.locator("tr[data-user-id]")


def user_row(page: Page, user: User) -> Locator:
    return page.locator(f"#user-row-{user.pk}")


def licenses_cell(page: Page, user: User) -> Locator:
    return user_row(page, user).locator(".licenses")


def pool_summary(page: Page) -> Locator:
    return page.locator("#pool-summary")


def add_or_remove_button(page: Page, user: User) -> Locator:
    """The row's "Add or remove licenses" control: a link (no-JavaScript path) or a button."""
    row = user_row(page, user)
    name = "Add or remove licenses"
    return row.get_by_role("link", name=name, exact=True).or_(row.get_by_role("button", name=name, exact=True))


def license_dialog(page: Page, user: User) -> Locator:
    """The "Add or remove licenses" dialog, found by its accessible name (heading + the user's name)."""
    name = re.compile(rf"Add or remove licenses.*{re.escape(user.display_name)}")
    return page.get_by_role("dialog", name=name)


def open_license_dialog(page: Page, user: User) -> Locator:
    add_or_remove_button(page, user).click()
    dialog = license_dialog(page, user)
    expect(dialog).to_be_visible()
    return dialog


def product_checkbox(container: Locator, product: Product) -> Locator:
    return container.get_by_role("checkbox", name=re.compile(re.escape(product.name)))


def product_label(container: Locator, product: Product) -> Locator:
    return container.locator("label", has_text=product.name)


def success_message(page: Page) -> Locator:
    return page.locator("#messages").get_by_role("status")
