"""The README's screenshots of the main pages at desktop (1440 × 900) and phone (390 × 844) size, taken with
Playwright and the system Chromium from a running server with the demo organisation (`make run`, or
`manage.py seed_demo` and `runserver`):

    .venv/bin/python docs/screenshots/make_screenshots.py [--base-url http://127.0.0.1:8000]

Each page is signed in as the demo's Global Administrator and shot as the first screen shows it, into this folder;
the scenes after them (a user's page, the uploads' previews, the downloads, "Select all N users that match") are
reached as an admin reaches them and shot whole. Nothing is written: uploads are previewed, never applied, and the
bulk action stops at its confirmation. The usage chart (30) is the first chart drawn on Products & licenses of the
subscription with the most history: it needs days of snapshots (`manage.py snapshot_usage`, whose first run
backfills them from the audit log).
"""

import argparse
import os
import re
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "officeseries.settings")

import django  # noqa: E402
from django.db.models import Count  # noqa: E402

django.setup()

from accounts.models import User  # noqa: E402
from licensing.demo import DEMO_DOMAIN, DEMO_GROUP, DEMO_PASSWORD  # noqa: E402
from licensing.models import PendingLicense, Subscription  # noqa: E402

DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def shots(subscription_id: int) -> list[tuple[str, str, dict]]:
    """(file name, path, viewport) of every screenshot."""
    assignments = f"/subscriptions/{subscription_id}/users/"
    return [
        ("17-user-license-assignments-desktop.png", assignments, DESKTOP),
        ("18-user-license-assignments-phone.png", assignments, PHONE),
        ("19-users-desktop.png", "/users/", DESKTOP),
        ("20-users-phone.png", "/users/", PHONE),
        ("21-home-phone.png", "/", PHONE),
    ]


def usage_chart(page: Page, base_url: str, subscription_id: int) -> None:
    """30: a product's usage chart with its numbers shown, at desktop size."""
    page.set_viewport_size(DESKTOP)
    page.goto(f"{base_url}/subscriptions/{subscription_id}/products/")
    chart = page.locator(".usage-chart", has=page.locator(".chart-svg")).first
    chart.get_by_text("Show the numbers").click()
    chart.screenshot(path=HERE / "30-usage-chart.png")
    print(HERE / "30-usage-chart.png")


def scenes(subscription: Subscription) -> list[tuple[str, Callable[[Page], None]]]:
    """(file name, what brings the desktop page to the state shown) of every screenshot of a whole page. The
    database is read here, before Playwright's event loop starts (the ORM refuses to run inside it)."""
    users_import = "/users/import/"
    assignments_import = f"/subscriptions/{subscription.pk}/users/import/"
    user = f"/users/{_user_shown().pk}/"
    users_bad, users_good = _users_file(bad=True), _users_file()
    assignments_bad, assignments_good = _assignments_file(subscription, bad=True), _assignments_file(subscription)
    # A page of 10: the whole page fits, with the downloads of all its filters match below the list.
    sales = f"/subscriptions/{subscription.pk}/users/?department=Sales&per_page=10"
    # A product with a few licenses left, for every user of the organisation: the shortfall.
    scarce = min((pool for pool in subscription.pools.all() if pool.available), key=lambda pool: pool.available)
    return [
        ("22-user-page.png", lambda page: page.goto(user)),
        ("23-import-users-errors.png", lambda page: _preview(page, users_import, users_bad, ".import-errors")),
        ("24-import-users-preview.png", lambda page: _preview(page, users_import, users_good, ".import-counts")),
        (
            "25-upload-assignments-errors.png",
            lambda page: _preview(page, assignments_import, assignments_bad, ".import-errors"),
        ),
        (
            "26-upload-assignments-preview.png",
            lambda page: _preview(page, assignments_import, assignments_good, ".import-counts"),
        ),
        ("27-exports.png", lambda page: page.goto(sales)),
        ("28-select-all-confirm.png", lambda page: _select_all_confirmation(page, scarce.pk)),
    ]


def _user_shown() -> User:
    """A member of the demo's group who waits for its license, with the most licenses of their own elsewhere: their
    page has every source and state."""
    waiting = PendingLicense.objects.filter(pool__group_licenses__group__name=DEMO_GROUP.name).values("user")
    return (
        User.objects.filter(pk__in=waiting)
        .annotate(licenses=Count("license_assignments"))
        .order_by("-licenses", "pk")
        .first()
    )


def _users_file(*, bad: bool = False) -> str:
    """Three joiners and a colleague moving to Legal; with `bad`, a country and an account status that are not."""
    mover = User.objects.filter(email__endswith=DEMO_DOMAIN, role_assignments__isnull=True).order_by("pk").first()
    rows = [
        "email,display_name,department,job_title,usage_location,is_active",
        f"nia.new@{DEMO_DOMAIN},Nia New,Sales,Account Executive,US,true",
        f"omar.new@{DEMO_DOMAIN},Omar New,Sales,Account Executive,{'XX' if bad else 'GB'},{'maybe' if bad else 'true'}",
        f"pia.new{'' if bad else '@' + DEMO_DOMAIN},Pia New,Engineering,Developer,DE,true",
        f"{mover.email},{mover.display_name},Legal,{mover.job_title},{mover.usage_location},true",
    ]
    return "\n".join(rows) + "\n"


def _assignments_file(subscription: Subscription, *, bad: bool = False) -> str:
    """Three users given a product with licenses left, one of them losing another."""
    pool = max(subscription.pools.select_related("product"), key=lambda pool: pool.available)
    takers = User.objects.filter(role_assignments__isnull=True, is_active=True).exclude(license_assignments__pool=pool)[
        :3
    ]
    rows = [f"{user.email},{subscription.name},{pool.product.sku_part_number},assign" for user in takers]
    holder = pool.assignments.filter(direct=True).select_related("user").order_by("pk").first().user
    rows.append(f"{holder.email},{subscription.name},{pool.product.sku_part_number},unassign")
    if bad:
        rows[1] = rows[1].replace(pool.product.sku_part_number, "OFFICESERIES_E9")
        rows[3] = rows[3].replace(",unassign", ",move")
    return "email,subscription,sku,action\n" + "\n".join(rows) + "\n"


def _preview(page: Page, path: str, text: str, shown: str) -> None:
    page.goto(path)
    page.get_by_label("CSV file").set_input_files(
        {"name": "people.csv", "mimeType": "text/csv", "buffer": text.encode()}
    )
    page.get_by_role("button", name="Preview").click()
    page.locator(shown).wait_for()
    # upload.js's last word: the rows done (100 %) when every row was, else the progress line hidden.
    page.wait_for_function(
        "() => document.querySelector('.upload-progress').hidden || "
        "document.querySelector('.upload-status').textContent.endsWith('100 %')"
    )


def _select_all_confirmation(page: Page, pool_id: int) -> None:
    """Every user of the organisation selected on Users, to be given the product of `pool_id`."""
    page.goto("/users/")
    page.get_by_label(re.compile(r"^Select all .* users that match")).check()
    page.get_by_label("With the selected users").select_option("assign")
    page.get_by_label("Product for the selected users").select_option(value=str(pool_id))
    page.get_by_role("button", name="Continue").click()
    page.locator("[data-shortfall]").wait_for()


def sign_in(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/accounts/sign-in/")
    page.get_by_label("Email").fill(f"admin@{DEMO_DOMAIN}")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    base_url = parser.parse_args().base_url.rstrip("/")
    # The demo's first subscription, as the server's database (the same settings) has it.
    subscription = Subscription.objects.order_by("pk").first()
    # Read before Playwright starts: its event loop forbids the ORM.
    most_history = Subscription.objects.annotate(days=Count("pools__snapshots")).order_by("-days", "pk").first()
    whole_pages = scenes(subscription)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium"), args=["--no-sandbox"]
        )
        page = browser.new_page()
        sign_in(page, base_url)
        for name, path, viewport in shots(subscription.pk):
            page.set_viewport_size(viewport)
            page.goto(f"{base_url}{path}")
            page.screenshot(path=HERE / name)
            print(HERE / name)
        usage_chart(page, base_url, most_history.pk)
        page.close()
        page = browser.new_page(base_url=base_url, viewport=DESKTOP)
        sign_in(page, base_url)
        for name, prepare in whole_pages:
            prepare(page)
            page.screenshot(path=HERE / name, full_page=True)
            print(HERE / name)
        browser.close()


if __name__ == "__main__":
    main()
