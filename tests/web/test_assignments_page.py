"""The User License Assignments page's finer points (issue items 11 and 13): the bulk bar's counts and default
product, what an inactive subscription allows, a refused bulk action over htmx, the empty state, the wording of
the license filter, and one way to show numbers."""

import re

import pytest
from django.urls import reverse

from licensing.choices import SubscriptionStatus
from tests.factories import UserFactory
from tests.web.conftest import HTMX, client_for
from tests.world import Org


def users_url(org: Org) -> str:
    return reverse("licensing:subscription_users", args=[org.s.pk])


def dialog_url(org: Org, user) -> str:
    return reverse("licensing:user_licenses", args=[org.s.pk, user.pk])


def bulk_url(org: Org) -> str:
    return reverse("licensing:users_bulk", args=[org.s.pk])


def selected_bulk_product(html: str) -> str:
    select = re.search(r'<select id="bulk-product" name="product">(.*?)</select>', html, re.S).group(1)
    return re.search(r"<option [^>]*selected[^>]*>([^(<]*)", select).group(1).strip()


def checkbox(html: str, product) -> str:
    return re.search(rf'<input type="checkbox" name="products" value="{product.pk}"[^>]*>', html).group(0)


@pytest.fixture
def client(org):
    return client_for(org.users["global_admin"])


def suspend(org: Org, status=SubscriptionStatus.SUSPENDED) -> None:
    org.s.status = status
    org.s.save(update_fields=["status"])


# --- the bulk bar ---------------------------------------------------------------------------------------


def test_a_dialog_save_sends_the_bulk_bars_new_counts(org: Org, client):
    """The bulk bar's options are updated in place (text only, so the admin's pick stays picked)."""
    html = client.post(dialog_url(org, org.adele), {"products": [org.e5.pk], "next": users_url(org)}, headers=HTMX)
    html = html.content.decode()

    assert (
        f'<option id="bulk-option-{org.e5.pk}" value="{org.e5.pk}" hx-swap-oob="innerHTML">'
        "OfficeSeries E5 (4 available)</option>"
    ) in html
    assert 'hx-swap-oob="innerHTML">OfficeSeries E3 (19 available)</option>' in html


def test_bulk_product_defaults_to_the_product_filter(org: Org, client):
    html = client.get(users_url(org), {"product": "visio_p2"}).content.decode()

    assert selected_bulk_product(html) == "OfficeSeries Visio Plan 2"


def test_bulk_product_defaults_to_a_product_with_licenses_available(org: Org, client):
    org.pool_e3.quantity = 1  # E3 (first by name) has none left
    org.pool_e3.save(update_fields=["quantity"])

    html = client.get(users_url(org)).content.decode()

    assert selected_bulk_product(html) == "OfficeSeries E5"


@pytest.mark.parametrize("status", [SubscriptionStatus.SUSPENDED, SubscriptionStatus.EXPIRED])
def test_assign_to_selected_is_disabled_with_the_reason_in_an_inactive_subscription(org: Org, client, status):
    suspend(org, status)

    html = client.get(users_url(org)).content.decode()

    assert (
        'name="action" value="assign" class="button" disabled aria-describedby="bulk-assign-reason">'
        "Assign to selected</button>"
    ) in html
    assert f'id="bulk-assign-reason">Assigning is off while the subscription is {status}.</span>' in html
    assert 'name="action" value="unassign" class="button">Unassign from selected</button>' in html


def test_a_refused_bulk_action_over_htmx_leaves_the_list_as_it_is(org: Org, client):
    """Only the message comes back (out of band), so the list and its ticked rows stay."""
    response = client.post(
        bulk_url(org),
        {"action": "assign", "product": org.visio.pk, "users": [org.adele.pk, org.alex.pk], "next": users_url(org)},
        headers=HTMX,
    )
    html = response.content.decode()

    assert response.status_code == 200
    assert "HX-Redirect" not in response and "Location" not in response
    assert html.strip().startswith('<div hx-swap-oob="innerHTML:#messages">')
    assert "Not enough OfficeSeries Visio Plan 2 licenses: needs 2, 0 available." in html
    assert "user-results" not in html
    assert org.held(org.adele) == set()


def test_a_done_bulk_action_over_htmx_reloads_the_list(org: Org, client):
    next_url = f"{users_url(org)}?department=Sales"
    response = client.post(
        bulk_url(org),
        {"action": "assign", "product": org.e5.pk, "users": [org.adele.pk], "next": next_url},
        headers=HTMX,
    )

    assert response["HX-Redirect"] == next_url
    assert org.held(org.adele) == {"OfficeSeries E5"}


# --- the dialog in an inactive subscription -------------------------------------------------------------


@pytest.mark.parametrize("status", [SubscriptionStatus.SUSPENDED, SubscriptionStatus.EXPIRED])
def test_dialog_disables_products_not_held_with_the_reason_in_an_inactive_subscription(org: Org, client, status):
    suspend(org, status)

    html = client.get(dialog_url(org, org.alex), headers=HTMX).content.decode()

    for product in (org.e5, org.visio):
        assert "disabled" in checkbox(html, product)
        assert f'id="product-reason-{product.pk}">Not while the subscription is {status}</span>' in html
    held = checkbox(html, org.e3)
    assert "checked" in held and "disabled" not in held  # a held license can still be unassigned


# --- empty state and wording ----------------------------------------------------------------------------


def test_an_empty_result_says_one_thing_with_a_clear_filters_action(org: Org, client):
    html = client.get(users_url(org), {"q": "nobody-like-this"}).content.decode()

    assert (
        f'No users match these filters. <a class="button button-small" href="{users_url(org)}">Clear filters</a>'
        in (html)
    )
    assert "No users to show" not in html and "pagination-summary" not in html


def test_the_license_filter_says_what_it_means(org: Org, client):
    html = client.get(users_url(org)).content.decode()

    assert ">Licensed (a license in this subscription)</option>" in html
    assert ">Unlicensed (no license in this subscription)</option>" in html


# --- numbers --------------------------------------------------------------------------------------------


def test_numbers_have_thousands_separators(org: Org, client):
    org.pool_e5.quantity = 12_000
    org.pool_e5.save(update_fields=["quantity"])
    UserFactory.create_batch(1_000)

    html = client.get(users_url(org), {"per_page": "10"}).content.decode()

    assert "12,000 of 12,000 available" in html  # the availability above the list
    assert "OfficeSeries E5 (12,000 available)</option>" in html  # the bulk bar
    assert "Showing 1–10 of 1,007 users" in html
    dialog = client.get(dialog_url(org, org.adele), headers=HTMX).content.decode()
    assert "12,000 of 12,000 available" in dialog
    products = client.get(reverse("licensing:subscription_products", args=[org.s.pk])).content.decode()
    assert '<td class="num">12,000</td>' in products
    home = client.get(reverse("licensing:home")).content.decode()
    assert "12,000 of 12,000 available" in home
