"""The user guide followed literally (issue item 12): a row's name opens the user's license assignments, a
"License assignments" control exists, and the guide's references (Purchasing Products and Licenses, How to Manage
Product Licenses) lead to real pages: Products & licenses and each product's own help page."""

import pytest
from django.urls import reverse

from tests.web.conftest import client_for
from tests.world import Org


def users_url(org: Org) -> str:
    return reverse("licensing:subscription_users", args=[org.s.pk])


def help_url(org: Org, pool) -> str:
    return reverse("licensing:product_help", args=[org.s.pk, pool.pk])


@pytest.fixture
def client(org):
    return client_for(org.users["global_admin"])


def test_a_rows_name_opens_the_users_license_assignments(org: Org, client):
    html = client.get(users_url(org)).content.decode()
    dialog = reverse("licensing:user_licenses", args=[org.s.pk, org.adele.pk])

    start = html.index(f'<td class="name-col"><a id="open-name-{org.adele.pk}" href="{dialog}?next=')
    name_link = html[start : html.index("</a>", start)]
    assert f'hx-get="{dialog}?next=' in name_link and "data-opens-dialog" in name_link
    assert name_link.endswith(">Adele Vance")
    assert f'href="{reverse("licensing:user_profile", args=[org.adele.pk])}">Profile</a>' in html
    assert ">License assignments</button>" in html  # opens the selected row's (with JavaScript)


def test_the_assignments_page_points_to_products_and_licenses(org: Org, client):
    html = client.get(users_url(org)).content.decode()

    products = reverse("licensing:subscription_products", args=[org.s.pk])
    assert f'check availability under <a href="{products}">Products &amp; licenses</a>' in html


def test_products_and_licenses_links_each_products_own_help(org: Org, client):
    html = client.get(reverse("licensing:subscription_products", args=[org.s.pk])).content.decode()

    for pool in (org.pool_e3, org.pool_e5, org.pool_visio):
        assert f'href="{help_url(org, pool)}">{pool.product.name}</a>' in html


def test_a_products_help_page_describes_it_and_its_pool(org: Org, client):
    html = client.get(help_url(org, org.pool_e3)).content.decode()

    assert "<h1>OfficeSeries E3</h1>" in html
    assert "How to manage OfficeSeries E3 licenses" in html
    assert "Contoso Enterprise holds 20 OfficeSeries E3 licenses; 1 is assigned and 19 available." in html
    assert f'href="{users_url(org)}?product=OFFICESERIES_E3">Users holding OfficeSeries E3</a>' in html


def test_a_product_of_another_subscription_has_no_help_page_here(org: Org, client):
    response = client.get(reverse("licensing:product_help", args=[org.s.pk, org.pool_t_e3.pk]))

    assert response.status_code == 404
