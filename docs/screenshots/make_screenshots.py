"""The README's screenshots of the main pages at desktop (1440 × 900) and phone (390 × 844) size, taken with
Playwright and the system Chromium from a running server with the demo organisation (`make run`, or
`manage.py seed_demo` and `runserver`):

    .venv/bin/python docs/screenshots/make_screenshots.py [--base-url http://127.0.0.1:8000]

Each page is signed in as the demo's Global Administrator and shot as the first screen shows it, into this folder.
The usage chart (30) is the first chart drawn on Products & licenses of the subscription with the most history: it
needs days of snapshots (`manage.py snapshot_usage`, whose first run backfills them from the audit log).
"""

import argparse
import os
import shutil
import sys
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "officeseries.settings")

import django  # noqa: E402

django.setup()

from django.db.models import Count  # noqa: E402

from licensing.demo import DEMO_DOMAIN, DEMO_PASSWORD  # noqa: E402
from licensing.models import Subscription  # noqa: E402

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
        browser.close()


if __name__ == "__main__":
    main()
