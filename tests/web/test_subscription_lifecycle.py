"""A subscription's status (Global Administrators, through the audited service), "Buy licenses", days left, and the
home page's organisation totals."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from core.choices import AuditAction
from core.models import AuditEvent
from licensing.choices import SubscriptionStatus
from licensing.models import LicensePool
from tests.factories import LicensePoolFactory, ProductFactory, SubscriptionFactory
from tests.web.conftest import client_for, messages_of
from tests.world import Org


def status_url(org: Org) -> str:
    return reverse("licensing:subscription_status", args=[org.s.pk])


def overview_url(org: Org) -> str:
    return reverse("licensing:subscription_overview", args=[org.s.pk])


def test_a_global_admin_changes_the_status_on_the_overview(org: Org):
    client = client_for(org.users["global_admin"])
    html = client.get(overview_url(org)).content.decode()
    assert '<option value="suspended">Suspended</option>' in html
    assert '<option value="active">' not in html  # only the changes the lifecycle allows from active

    response = client.post(status_url(org), {"status": SubscriptionStatus.SUSPENDED}, follow=True)

    assert response.redirect_chain == [(overview_url(org), 302)]
    assert messages_of(response) == ["Contoso Enterprise is now suspended."]
    org.s.refresh_from_db()
    assert org.s.status == SubscriptionStatus.SUSPENDED
    event = AuditEvent.objects.get(action=AuditAction.SUBSCRIPTION_STATUS_CHANGED)
    assert (event.details, event.source) == ({"old": "active", "new": "suspended"}, "web")


def test_a_change_the_lifecycle_refuses_is_the_message(org: Org):
    org.s.status = SubscriptionStatus.EXPIRED
    org.s.save(update_fields=["status"])
    client = client_for(org.users["global_admin"])
    assert "its status can no longer change" in client.get(overview_url(org)).content.decode()

    response = client.post(status_url(org), {"status": SubscriptionStatus.ACTIVE}, follow=True)

    assert messages_of(response) == ["Subscription Contoso Enterprise is expired: it cannot become active."]
    org.s.refresh_from_db()
    assert org.s.status == SubscriptionStatus.EXPIRED


@pytest.mark.parametrize("user_key", ["user_admin", "subscription_admin"])
def test_only_a_global_admin_changes_a_status(org: Org, user_key):
    client = client_for(org.users[user_key])
    assert 'id="status-heading"' not in client.get(overview_url(org)).content.decode()

    assert client.post(status_url(org), {"status": SubscriptionStatus.SUSPENDED}).status_code == 403
    org.s.refresh_from_db()
    assert org.s.status == SubscriptionStatus.ACTIVE


@pytest.mark.parametrize(
    ("ends_in", "text"),
    [(12, "12 days left"), (1, "1 day left"), (0, "Ends today"), (-3, "Ended 3 days ago"), (None, "No end date")],
)
def test_the_overview_shows_the_days_left(org: Org, ends_in, text):
    today = timezone.localdate()
    org.s.starts_on = today - datetime.timedelta(days=30)
    org.s.ends_on = None if ends_in is None else today + datetime.timedelta(days=ends_in)
    org.s.save(update_fields=["starts_on", "ends_on"])

    html = client_for(org.users["subscription_admin"]).get(overview_url(org)).content.decode()

    assert f'<span class="stat-label">Days left</span><span class="stat-value stat-value-small">{text}</span>' in html


# --- Buy licenses --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("user_key", ["global_admin", "subscription_admin"])
def test_buy_licenses_of_a_product_the_subscription_does_not_hold(org: Org, user_key):
    project = ProductFactory(name="OfficeSeries Project Plan 3", sku_part_number="PROJECT_P3")
    client = client_for(org.users[user_key])
    products_url = reverse("licensing:subscription_products", args=[org.s.pk])
    html = client.get(products_url).content.decode()
    buy = html[html.index('id="buy-product"') : html.index("</select>", html.index('id="buy-product"'))]
    assert "OfficeSeries Project Plan 3" in buy and "OfficeSeries E3" not in buy  # only what it does not hold

    response = client.post(
        reverse("licensing:pool_create", args=[org.s.pk]), {"product": project.pk, "quantity": 25}, follow=True
    )

    assert messages_of(response) == ["Added OfficeSeries Project Plan 3 to Contoso Enterprise: 25 licenses."]
    assert LicensePool.objects.get(subscription=org.s, product=project).quantity == 25
    assert AuditEvent.objects.filter(action=AuditAction.POOL_CREATED, product=project, source="web").count() == 1


@pytest.mark.parametrize(
    ("quantity", "product_key", "error"),
    [
        (0, "new", "Ensure this value is greater than or equal to 1."),
        (5, "e3", "Choose one of the products offered."),  # held already: its quantity changes in the table
    ],
)
def test_a_refused_purchase_changes_nothing(org: Org, quantity, product_key, error):
    product = ProductFactory(name="New product") if product_key == "new" else org.e3

    response = client_for(org.users["global_admin"]).post(
        reverse("licensing:pool_create", args=[org.s.pk]), {"product": product.pk, "quantity": quantity}, follow=True
    )

    assert messages_of(response) == [f"Buy licenses: {error}"]
    assert LicensePool.objects.filter(subscription=org.s).count() == 3
    assert org.pool(org.pool_e3).quantity == 20


def test_a_user_admin_cannot_buy_licenses(org: Org):
    project = ProductFactory()
    client = client_for(org.users["user_admin"])
    products = client.get(reverse("licensing:subscription_products", args=[org.s.pk]))
    assert "Buy licenses" not in products.content.decode()

    response = client.post(reverse("licensing:pool_create", args=[org.s.pk]), {"product": project.pk, "quantity": 1})

    assert response.status_code == 403
    assert not LicensePool.objects.filter(product=project).exists()


# --- the home page's totals ------------------------------------------------------------------------------------------


def totals_of(html: str) -> dict[str, str]:
    section = html[html.index('aria-label="Licenses across your subscriptions"') :]
    return {
        label: section.split(f'<span class="stat-label">{label}</span><span class="stat-value">')[1].split("<")[0]
        for label in ("Licenses owned", "Assigned", "Available", "Waiting")
    }


def test_the_home_page_totals_across_the_subscriptions_the_admin_may_see(org: Org, out_of_scope_admin):
    # S: E3 20 (1 assigned), E5 5, Visio 1 (1 assigned); T: E3 7 (1 assigned)
    everything = client_for(org.users["global_admin"]).get("/").content.decode()
    own = client_for(org.users["subscription_admin"]).get("/").content.decode()

    assert totals_of(everything) == {"Licenses owned": "33", "Assigned": "3", "Available": "30", "Waiting": "0"}
    assert totals_of(own) == {"Licenses owned": "26", "Assigned": "2", "Available": "24", "Waiting": "0"}


def test_the_home_page_counts_waiting_members_with_thousands_separators(org: Org):
    LicensePool.objects.filter(pk=org.pool_e5.pk).update(quantity=1_000_000, pending=1_234)

    totals = totals_of(client_for(org.users["global_admin"]).get("/").content.decode())

    assert totals == {"Licenses owned": "1,000,028", "Assigned": "3", "Available": "1,000,025", "Waiting": "1,234"}


def test_the_totals_cost_no_query_whatever_the_number_of_subscriptions(org: Org, django_assert_num_queries):
    """Summed from the pools read with the subscriptions: 5 queries, as the page made without the totals (among
    them the sparklines' history, one for every pool, and the top bar's unread notices)."""
    client = client_for(org.users["global_admin"])
    client.get("/")
    with django_assert_num_queries(5) as first:
        client.get("/")
    for number in range(3):
        LicensePoolFactory(subscription=SubscriptionFactory(), product=org.e3, quantity=number + 1)
    with django_assert_num_queries(len(first.captured_queries)):
        assert "Licenses owned" in client.get("/").content.decode()
