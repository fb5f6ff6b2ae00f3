"""The apps of each product in the "Add or remove licenses" dialog: switches saved with the license, read-only for
a license from a group, and the dialog's query count, fixed whatever the products and plans."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.services.groups import group_members_change
from core.audit import Actor
from core.choices import AuditAction, Source
from core.models import AuditEvent
from licensing.models import LicenseAssignment
from licensing.services.assignments import user_licenses_change
from licensing.services.group_licenses import group_licenses_change
from tests.factories import GroupFactory, LicensePoolFactory, ProductFactory, ServicePlanFactory
from tests.web.conftest import HTMX, client_for
from tests.web.test_dialog import dialog_url, option, users_url
from tests.world import Org, write_statements

BY = Actor(None, Source.CLI, label="test")
# The session with the admin and their roles, the subject, the subscription, then its pools, each with the subject's
# license of it (its sources: direct, the groups giving it, a place in a line) and its product's plans, in one
# query (selectors.sources.pools_with_user_licenses).
DIALOG_QUERIES = 4


@pytest.fixture
def client(org):
    return client_for(org.users["global_admin"])


def switch(html: str, product, plan) -> str:
    match = re.search(
        rf'<input type="checkbox" class="switch" role="switch" name="plans-{product.pk}" '
        rf'value="{plan.service_plan_id}"[^>]*>',
        html,
    )
    assert match, f"no switch for {plan.name} of {product}"
    return match.group(0)


def label(html: str, product, plan) -> str:
    return re.search(rf'<label for="plan-{product.pk}-{plan.pk}">([^<]*)</label>', html).group(1)


def plan_ids(org: Org, *names) -> list[str]:
    return sorted(str(org.plans[name].service_plan_id) for name in names)


def save(client, org: Org, user, products, plans_on: dict):
    """Save the dialog as the browser would: the products checked, every product's switches shown, those on sent."""
    data = {"products": [product.pk for product in products], "next": users_url(org)}
    data["plan_products"] = [product.pk for product in (org.e3, org.e5, org.visio)]
    for product, names in plans_on.items():
        data[f"plans-{product.pk}"] = [str(org.plans[name].service_plan_id) for name in names]
    return client.post(dialog_url(org, user), data, headers=HTMX)


def test_each_product_shows_its_apps_as_labelled_switches_on_as_the_direct_assignment_leaves_them(org: Org, client):
    user_licenses_change(by=BY, user=org.alex, subscription=org.s, disabled_plans={org.e3: ["TEAMS1"]})
    html = client.get(dialog_url(org, org.alex), headers=HTMX).content.decode()

    assert 'aria-label="Apps in OfficeSeries E3"' in option(html, org.e3)
    assert "checked" not in switch(html, org.e3, org.plans["TEAMS1"])
    assert "checked" in switch(html, org.e3, org.plans["EXCHANGE_S_ENTERPRISE"])
    assert label(html, org.e3, org.plans["TEAMS1"]) == "Microsoft Teams"
    # A product not held has every app on, ready to be assigned.
    assert all("checked" in switch(html, org.e5, org.plans[name]) for name in ("MCOEV", "TEAMS1"))
    assert "disabled" not in switch(html, org.e5, org.plans["MCOEV"])


def test_switching_an_app_off_saves_it_with_the_license_and_changes_no_counter(org: Org, client):
    response = save(client, org, org.alex, [org.e3], {org.e3: ["EXCHANGE_S_ENTERPRISE", "SHAREPOINTENTERPRISE"]})

    assert response.status_code == 200
    assert org.assignment(org.alex, org.pool_e3).disabled_plans == plan_ids(org, "TEAMS1")
    assert org.pool(org.pool_e3).assigned == 1
    event = AuditEvent.objects.get(action=AuditAction.LICENSE_PLANS_CHANGED)
    assert (event.source, event.actor) == (Source.WEB, org.users["global_admin"])
    assert "apps changed in OfficeSeries E3" in response.content.decode()


def test_a_license_added_with_apps_off_starts_with_them_off(org: Org, client):
    save(client, org, org.adele, [org.e5], {org.e5: ["EXCHANGE_S_ENTERPRISE", "TEAMS1", "SHAREPOINTENTERPRISE"]})

    assert org.assignment(org.adele, org.pool_e5).disabled_plans == plan_ids(org, "MCOEV")
    event = AuditEvent.objects.filter(action=AuditAction.LICENSE_ASSIGNED).latest("id")
    assert event.details == {"disabled_plans": plan_ids(org, "MCOEV")}


def test_a_form_without_switches_keeps_the_apps(org: Org, client):
    user_licenses_change(by=BY, user=org.alex, subscription=org.s, disabled_plans={org.e3: ["TEAMS1"]})
    client.post(dialog_url(org, org.alex), {"products": [org.e3.pk]}, headers=HTMX)

    assert org.assignment(org.alex, org.pool_e3).disabled_plans == plan_ids(org, "TEAMS1")


def test_a_license_from_a_group_shows_the_apps_the_user_has_read_only(org: Org, client):
    sales = GroupFactory(name="Sales")
    group_members_change(by=BY, group=sales, add=[org.adele])
    group_licenses_change(by=BY, group=sales, subscription=org.s, add=[org.e5], disabled_plans={org.e5: ["MCOEV"]})
    html = client.get(dialog_url(org, org.adele), headers=HTMX).content.decode()

    assert "disabled" in switch(html, org.e5, org.plans["MCOEV"])
    assert "checked" not in switch(html, org.e5, org.plans["MCOEV"])
    assert "checked" in switch(html, org.e5, org.plans["TEAMS1"])
    assert 'aria-label="Apps in OfficeSeries E5 (as the user has them from groups)"' in html
    assert f'name="plan_products" value="{org.e5.pk}"' not in html
    # Switches sent for it anyway change nothing.
    save(client, org, org.adele, [], {org.e5: ["TEAMS1"]})
    assert org.assignment(org.adele, org.pool_e5).disabled_plans == []


def test_an_error_shows_the_switches_as_sent(org: Org, client):
    org.pool_e5.quantity = 0  # none left when the admin saves
    org.pool_e5.save()
    html = save(client, org, org.adele, [org.e5], {org.e5: ["TEAMS1"]}).content.decode()

    assert "Not enough OfficeSeries E5 licenses" in html
    assert "checked" in switch(html, org.e5, org.plans["TEAMS1"])
    assert "checked" not in switch(html, org.e5, org.plans["MCOEV"])


def test_the_dialog_costs_the_same_queries_whatever_the_products_and_plans(org: Org, client):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(dialog_url(org, org.alex), headers=HTMX).status_code == 200
        return len(captured.captured_queries)

    assert queries() == DIALOG_QUERIES
    for _ in range(5):
        product = ProductFactory()
        product.service_plans.set([ServicePlanFactory() for _ in range(4)] + [org.plans["TEAMS1"]])
        LicensePoolFactory(subscription=org.s, product=product)
    sales = GroupFactory()
    group_members_change(by=BY, group=sales, add=[org.alex])
    group_licenses_change(by=BY, group=sales, subscription=org.s, add=[org.e5], disabled_plans={org.e5: ["MCOEV"]})
    assert queries() == DIALOG_QUERIES


# The session with the admin and their roles, then the service: the savepoints, the user's lock (the subject, read
# once), the locks of the pools of the products wanted or held directly, those pools read with their products and
# their subscription (the ids sent are checked against those; the subscription is not read apart), the user's
# licenses, group sources and the products' plans (the switches sent are checked against those), and the writes
# (insert, counter, audit); then the saved row: the user and the subscription as the service read them, with the
# pools as they are now and their licenses of each, in one query.
SAVE_QUERIES = 7 + write_statements(3)


def test_a_save_costs_the_same_queries_whatever_the_products_and_groups(org: Org, client):
    def save(products) -> int:
        """As the browser saves: the switches of every product it shows, all on."""
        shown = [pool.product for pool in org.s.pools.all()]
        data = {"products": [product.pk for product in products], "plan_products": [p.pk for p in shown]}
        data |= {f"plans-{p.pk}": [str(plan.service_plan_id) for plan in p.service_plans.all()] for p in shown}
        with CaptureQueriesContext(connection) as captured:
            response = client.post(dialog_url(org, org.alex), data, headers=HTMX)
        assert response.status_code == 200
        return len(captured.captured_queries)

    save([])  # Alex holds nothing directly: each counted save adds E3
    assert save([org.e3]) == SAVE_QUERIES
    save([])
    for _ in range(5):
        LicensePoolFactory(subscription=org.s, product=ProductFactory())
    sales = GroupFactory()
    group_members_change(by=BY, group=sales, add=[org.alex])
    group_licenses_change(by=BY, group=sales, subscription=org.s, add=[org.e5])
    assert save([org.e3]) == SAVE_QUERIES


def test_a_switch_that_names_no_plan_of_its_product_is_refused_and_changes_nothing(org: Org, client):
    """The switches come back as the plans on (enabled_plans): one that is no plan of the product is the
    service's validation error, shown in the dialog, and nothing is assigned."""
    data = {"products": [org.e5.pk], "plan_products": [org.e5.pk], f"plans-{org.e5.pk}": ["not-a-plan"]}
    html = client.post(dialog_url(org, org.adele), data, headers=HTMX).content.decode()

    assert "Not a service plan of OFFICESERIES_E5: not-a-plan." in html
    assert not LicenseAssignment.objects.filter(user=org.adele).exists()
    assert org.pool(org.pool_e5).assigned == 0
