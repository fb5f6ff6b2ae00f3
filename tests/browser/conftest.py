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

from dataclasses import dataclass  # noqa: E402

import pytest  # noqa: E402
from playwright.sync_api import BrowserContext, Locator, Page, expect  # noqa: E402

from accounts.choices import Role  # noqa: E402
from accounts.models import User  # noqa: E402
from core.audit import Actor
from core.choices import Source  # noqa: E402
from licensing.models import LicensePool, Product, Subscription  # noqa: E402
from licensing.services.bulk import licenses_bulk_assign  # noqa: E402
from tests.factories import (  # noqa: E402
    PASSWORD,
    LicensePoolFactory,
    ProductFactory,
    RoleAssignmentFactory,
    SubscriptionFactory,
    UserFactory,
)

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Auto-waiting assertions give up after this long: a failing test fails in seconds, a passing one waits nothing.
expect.set_options(timeout=10_000)

# (display name, department): first names are unique, so a search for one finds exactly one user.
PEOPLE = [
    ("Adele Vance", "Sales"),
    ("Alex Wilber", "Marketing"),
    ("Diego Siciliani", "Engineering"),
    ("Grady Archie", "Engineering"),
    ("Henrietta Mueller", "Research"),
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


@dataclass
class Org:
    """A small organisation: one active subscription with three products (one exhausted), a second subscription,
    a dozen users, a Global Administrator and a Subscription Administrator of the first subscription."""

    subscription: Subscription
    other_subscription: Subscription
    e3: Product
    e5: Product
    visio: Product
    users: dict[str, User]
    global_admin: User
    subscription_admin: User

    def pool(self, product: Product) -> LicensePool:
        return LicensePool.objects.get(subscription=self.subscription, product=product)

    def held(self, user: User) -> set[str]:
        """Names of the products `user` holds in the subscription, read from the database."""
        return set(
            user.license_assignments.filter(pool__subscription=self.subscription).values_list(
                "pool__product__name", flat=True
            )
        )


@pytest.fixture
def org(transactional_db) -> Org:
    """E3: 17 of 20 available; E5: 5 of 5; Visio: 0 of 2 (exhausted). Adele Vance holds nothing."""
    subscription = SubscriptionFactory(name="Contoso Enterprise")
    other = SubscriptionFactory(name="Fabrikam Research")
    e3 = ProductFactory(name="OfficeSeries E3", sku_part_number="OFFICESERIES_E3")
    e5 = ProductFactory(name="OfficeSeries E5", sku_part_number="OFFICESERIES_E5")
    visio = ProductFactory(name="OfficeSeries Visio Plan 2", sku_part_number="OFFICESERIES_VISIO_P2")
    LicensePoolFactory(subscription=subscription, product=e3, quantity=20)
    LicensePoolFactory(subscription=subscription, product=e5, quantity=5)
    LicensePoolFactory(subscription=subscription, product=visio, quantity=2)
    LicensePoolFactory(subscription=other, product=e3, quantity=7)
    users = {
        name.split()[0]: UserFactory(
            display_name=name, email=f"{name.lower().replace(' ', '.')}@contoso.test", department=department
        )
        for name, department in PEOPLE
    }
    global_admin = RoleAssignmentFactory(
        role=Role.GLOBAL_ADMIN, user=UserFactory(display_name="Gloria Admin", email="gloria.admin@contoso.test")
    ).user
    subscription_admin = RoleAssignmentFactory(
        role=Role.SUBSCRIPTION_ADMIN,
        subscription=subscription,
        user=UserFactory(display_name="Sam Subadmin", email="sam.subadmin@contoso.test"),
    ).user
    licenses_bulk_assign(
        subscription=subscription,
        product=e3,
        users=[users["Alex"], users["Diego"], users["Grady"]],
        by=Actor(None, Source.SYSTEM),
    )
    licenses_bulk_assign(
        subscription=subscription,
        product=visio,
        users=[users["Henrietta"], users["Isaiah"]],
        by=Actor(None, Source.SYSTEM),
    )
    return Org(subscription, other, e3, e5, visio, users, global_admin, subscription_admin)


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
