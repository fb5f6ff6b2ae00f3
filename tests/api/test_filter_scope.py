"""A Subscription Administrator's filters count only licenses in subscriptions they may see: filtering the users by
a product, or by licensed / unlicensed, never tells them who holds licenses in a subscription that is 404 to them."""

from dataclasses import dataclass

import pytest

from accounts.models import User
from core.audit import Actor
from core.choices import Source
from licensing.models import Product
from licensing.services.assignments import user_licenses_change
from tests.api.conftest import bearer_client, error_of
from tests.factories import LicensePoolFactory, ProductFactory, UserFactory
from tests.world import Org


@dataclass
class Hidden:
    project: Product  # only the hidden subscription T has it
    t_only: User  # licensed in T alone


@pytest.fixture
def hidden(org: Org) -> Hidden:
    project = ProductFactory(sku_part_number="PROJECT_P3", name="Project Plan 3")
    LicensePoolFactory(subscription=org.t, product=project, quantity=3)
    t_only = UserFactory(email="t.only@contoso.example", display_name="Tess Only")
    user_licenses_change(user=t_only, subscription=org.t, add=[project, org.e3], by=Actor(None, Source.SYSTEM))
    return Hidden(project=project, t_only=t_only)


def emails(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {user["email"] for user in response.json()["results"]}


def test_a_product_only_a_hidden_subscription_has_matches_nobody(org, hidden):
    client = bearer_client(org.users["subscription_admin"])
    assert emails(client.get("/api/v1/users/", {"product": "PROJECT_P3"})) == set()
    assert emails(client.get("/api/v1/users/", {"product": str(hidden.project.sku_id)})) == set()


def test_a_shared_product_matches_only_the_holders_in_visible_subscriptions(org, hidden):
    client = bearer_client(org.users["subscription_admin"])
    assert emails(client.get("/api/v1/users/", {"product": "OFFICESERIES_E3"})) == {"alex.wilber@contoso.test"}


def test_licensed_counts_only_visible_licenses(org, hidden):
    client = bearer_client(org.users["subscription_admin"])
    licensed = emails(client.get("/api/v1/users/", {"licensed": "true"}))
    unlicensed = emails(client.get("/api/v1/users/", {"licensed": "false"}))
    assert licensed == {"alex.wilber@contoso.test", "henrietta.mueller@contoso.test"}
    assert "t.only@contoso.example" in unlicensed  # holds nothing this admin may see


def test_a_hidden_subscription_as_the_filters_scope_is_not_found(org, hidden):
    client = bearer_client(org.users["subscription_admin"])
    response = client.get("/api/v1/users/", {"subscription": org.t.pk, "product": "PROJECT_P3"})
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


@pytest.mark.parametrize("role", ["global_admin", "user_admin"])
def test_admins_who_see_every_subscription_filter_across_all_of_them(org, hidden, role):
    client = bearer_client(org.users[role])
    assert emails(client.get("/api/v1/users/", {"product": "PROJECT_P3"})) == {"t.only@contoso.example"}
    assert "t.only@contoso.example" in emails(client.get("/api/v1/users/", {"licensed": "true"}))


@pytest.mark.parametrize(
    "url", ["/api/v1/assignments/", "/api/v1/pools/", "/api/v1/audit-events/"], ids=["assignments", "pools", "audit"]
)
def test_other_lists_filtered_by_a_hidden_product_or_subscription_are_empty(org, hidden, url):
    """These lists start from what the admin may see, so a filter can only narrow that."""
    scoped = bearer_client(org.users["subscription_admin"])
    assert scoped.get(url, {"product": "PROJECT_P3"}).json()["count"] == 0
    assert scoped.get(url, {"subscription": org.t.pk}).json()["count"] == 0
    assert bearer_client(org.users["global_admin"]).get(url, {"product": "PROJECT_P3"}).json()["count"] > 0
