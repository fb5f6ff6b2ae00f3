"""Bulk: select users on the list, then assign or unassign one product for all of them, all or nothing."""

import pytest
from django.urls import reverse

from tests.factories import LicensePoolFactory, ProductFactory
from tests.web.conftest import client_for, messages_of
from tests.world import Org


def bulk_url(org: Org) -> str:
    return reverse("licensing:users_bulk", args=[org.s.pk])


def users_url(org: Org) -> str:
    return reverse("licensing:subscription_users", args=[org.s.pk])


@pytest.fixture
def client(org):
    return client_for(org.users["global_admin"])


def test_bulk_form_follows_the_contract(org: Org, client):
    html = client.get(users_url(org)).content.decode()

    assert '<form id="bulk-form" method="post"' in html
    assert '<label for="bulk-product">Product for selected users</label>' in html
    assert f'<option id="bulk-option-{org.e5.pk}" value="{org.e5.pk}">OfficeSeries E5 (5 available)</option>' in html
    assert 'name="action" value="assign" class="button">Assign to selected</button>' in html
    assert 'name="action" value="unassign" class="button">Unassign from selected</button>' in html


def test_bulk_assign(org: Org, client):
    response = client.post(
        bulk_url(org),
        {"action": "assign", "product": org.e3.pk, "users": [org.adele.pk, org.alex.pk], "next": users_url(org)},
        follow=True,
    )

    assert response.redirect_chain == [(users_url(org), 302)]
    assert messages_of(response) == ["Assigned OfficeSeries E3 to 1 user; 1 user already had it."]
    assert org.held(org.adele) == {"OfficeSeries E3"}
    assert org.pool(org.pool_e3).assigned == 2


def test_bulk_unassign(org: Org, client):
    response = client.post(
        bulk_url(org),
        {"action": "unassign", "product": org.e3.pk, "users": [org.adele.pk, org.alex.pk]},
        follow=True,
    )

    assert messages_of(response) == ["Unassigned OfficeSeries E3 from 1 user; 1 user did not have it."]
    assert org.held(org.alex) == set()
    assert org.pool(org.pool_e3).assigned == 0


def test_bulk_shortfall_is_stated_and_nothing_changes(org: Org, client):
    org.pool_e5.quantity = 1
    org.pool_e5.save(update_fields=["quantity"])

    response = client.post(
        bulk_url(org),
        {"action": "assign", "product": org.e5.pk, "users": [org.adele.pk, org.alex.pk, org.henrietta.pk]},
        follow=True,
    )

    assert messages_of(response) == ["Not enough OfficeSeries E5 licenses: needs 3, 1 available."]
    assert 'role="alert">Not enough OfficeSeries E5 licenses: needs 3, 1 available.</div>' in response.content.decode()
    assert org.pool(org.pool_e5).assigned == 0
    assert org.held(org.adele) == set()
    assert org.held(org.henrietta) == {"OfficeSeries Visio Plan 2"}


def test_bulk_returns_to_the_filtered_list(org: Org, client):
    next_url = f"{users_url(org)}?department=Sales&page=1"
    response = client.post(
        bulk_url(org), {"action": "assign", "product": org.e5.pk, "users": [org.adele.pk], "next": next_url}
    )
    assert response["Location"] == next_url


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "assign", "product": "E5"}, "Select at least one user."),
        ({"action": "assign", "users": ["ADELE"]}, "Choose a product for the selected users."),
        ({"action": "explode", "product": "E5", "users": ["ADELE"]}, "Select a valid choice."),
    ],
)
def test_bulk_input_errors_are_messages(org: Org, client, data, message):
    ids = {"E5": org.e5.pk, "ADELE": org.adele.pk}
    data = {
        key: ([ids[v] for v in value] if isinstance(value, list) else ids.get(value, value))
        for key, value in data.items()
    }

    response = client.post(bulk_url(org), data, follow=True)

    assert any(message in text for text in messages_of(response))
    assert org.pool(org.pool_e5).assigned == 0


def test_bulk_product_of_another_subscription_is_refused(org: Org, client):
    elsewhere = ProductFactory(name="Fabrikam Special", sku_part_number="FABRIKAM_SPECIAL")
    LicensePoolFactory(subscription=org.t, product=elsewhere, quantity=5)

    response = client.post(
        bulk_url(org), {"action": "assign", "product": elsewhere.pk, "users": [org.adele.pk]}, follow=True
    )

    assert messages_of(response) == ["Subscription Contoso Enterprise has no licenses of: FABRIKAM_SPECIAL."]
    assert org.adele.license_assignments.count() == 0


def test_bulk_in_an_inactive_subscription_refuses_assigning(org: Org, client):
    org.s.status = "expired"
    org.s.save(update_fields=["status"])

    response = client.post(
        bulk_url(org), {"action": "assign", "product": org.e5.pk, "users": [org.adele.pk]}, follow=True
    )

    assert "licenses can be unassigned but not assigned" in messages_of(response)[0]
    assert org.held(org.adele) == set()


def test_bulk_get_is_not_allowed(org: Org, client):
    assert client.get(bulk_url(org)).status_code == 405
