"""Products & licenses: quantity, assigned, available, a usage bar; quantity changes for the roles allowed."""

import re

import pytest
from django.urls import reverse

from core.choices import AuditAction, Source
from core.models import AuditEvent
from tests.web.conftest import client_for, messages_of
from tests.world import Org


def products_url(org: Org) -> str:
    return reverse("licensing:subscription_products", args=[org.s.pk])


def quantity_url(org: Org, pool) -> str:
    return reverse("licensing:pool_quantity", args=[pool.subscription_id, pool.pk])


def pool_row(html: str, pool) -> str:
    start = html.index(f'<tr id="pool-{pool.pk}">')
    return html[start : html.index("</tr>", start)]


def test_page_shows_quantity_assigned_available_and_usage(org: Org):
    html = client_for(org.users["subscription_admin"]).get(products_url(org)).content.decode()

    assert "<h1>Products &amp; licenses</h1>" in html
    e3 = pool_row(html, org.pool_e3)
    assert re.findall(r'<td class="num[^"]*">(\d+)</td>', e3) == ["20", "1", "19"]
    assert 'max="20" value="1" aria-label="Usage of OfficeSeries E3"' in e3
    assert "5%" in e3
    visio = pool_row(html, org.pool_visio)
    assert "usage-full" in visio and "100%" in visio
    assert f'action="{quantity_url(org, org.pool_e3)}"' in e3
    assert '<label class="visually-hidden" for="quantity-' in e3


def test_user_admin_sees_no_quantity_form_and_may_not_post_one(org: Org):
    client = client_for(org.users["user_admin"])
    html = client.get(products_url(org)).content.decode()
    assert "Change quantity" not in html and "quantity-" not in html

    response = client.post(quantity_url(org, org.pool_e3), {"quantity": 30})

    assert response.status_code == 403
    assert "Only a Global Administrator or this subscription&#x27;s administrator may change quantities." in (
        response.content.decode()
    )
    assert org.pool(org.pool_e3).quantity == 20


@pytest.mark.parametrize("role", ["global_admin", "subscription_admin"])
def test_quantity_change(org: Org, role):
    client = client_for(org.users[role])

    response = client.post(quantity_url(org, org.pool_e3), {"quantity": 25}, follow=True)

    assert response.redirect_chain == [(products_url(org), 302)]
    assert messages_of(response) == ["OfficeSeries E3 now has 25 licenses: 24 of 25 available."]
    assert org.pool(org.pool_e3).quantity == 25
    event = AuditEvent.objects.get(action=AuditAction.QUANTITY_CHANGED)
    assert (event.source, event.actor, event.details) == (
        Source.WEB,
        org.users[role],
        {"old_quantity": 20, "new_quantity": 25},
    )


def test_quantity_below_assigned_is_refused_with_the_reason(org: Org):
    response = client_for(org.users["global_admin"]).post(
        quantity_url(org, org.pool_visio), {"quantity": 0}, follow=True
    )

    assert messages_of(response) == [
        "OfficeSeries Visio Plan 2 has 1 licenses assigned: unassign 1 before lowering the quantity to 0."
    ]
    assert 'role="alert"' in response.content.decode()
    assert org.pool(org.pool_visio).quantity == 1


@pytest.mark.parametrize("value", ["", "-1", "abc", "2.5", "99999999"])
def test_invalid_quantity_is_a_message(org: Org, value):
    response = client_for(org.users["global_admin"]).post(
        quantity_url(org, org.pool_e3), {"quantity": value}, follow=True
    )

    assert messages_of(response)[0].startswith("Quantity of OfficeSeries E3: ")
    assert org.pool(org.pool_e3).quantity == 20


def test_pool_of_another_subscription_is_404(org: Org):
    url = reverse("licensing:pool_quantity", args=[org.s.pk, org.pool_t_e3.pk])
    assert client_for(org.users["global_admin"]).post(url, {"quantity": 9}).status_code == 404
    assert org.pool(org.pool_t_e3).quantity == 7


def test_quantity_get_is_not_allowed(org: Org):
    assert client_for(org.users["global_admin"]).get(quantity_url(org, org.pool_e3)).status_code == 405
