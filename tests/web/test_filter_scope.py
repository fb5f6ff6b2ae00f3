"""The users' filters count only licenses the reader may see on the User License Assignments page (one subscription,
always a visible one); the shared UserLicenseFilterSet's own scope rule: tests/licensing/test_filtersets.py."""

import pytest
from django.urls import reverse

from accounts.models import User
from core.audit import Actor
from core.choices import Source
from licensing.services.assignments import user_licenses_change
from tests.factories import LicensePoolFactory, ProductFactory, UserFactory
from tests.web.conftest import client_for
from tests.world import Org


@pytest.fixture
def t_only(org: Org) -> User:
    """Licensed only in T, outside the Subscription Administrator's scope, with a product S does not have."""
    project = ProductFactory(sku_part_number="PROJECT_P3", name="Project Plan 3")
    LicensePoolFactory(subscription=org.t, product=project, quantity=2)
    user = UserFactory(display_name="Tess Only", email="tess.only@contoso.test")
    user_licenses_change(user=user, subscription=org.t, add=[project, org.e3], by=Actor(None, Source.SYSTEM))
    return user


def listed(response) -> list[str]:
    assert response.status_code == 200
    return [person.get_full_name() for person in response.context["page"].object_list]


@pytest.fixture
def scoped_client(org: Org):
    return client_for(org.users["subscription_admin"])


def test_the_page_filters_within_its_own_subscription(org: Org, t_only, scoped_client):
    url = reverse("licensing:subscription_users", args=[org.s.pk])
    assert listed(scoped_client.get(url, {"product": "PROJECT_P3"})) == []
    assert "Tess Only" not in listed(scoped_client.get(url, {"licensed": "true"}))
    assert "Tess Only" in listed(scoped_client.get(url, {"licensed": "false"}))


def test_the_exact_total_counts_the_same_way(org: Org, t_only, scoped_client):
    url = reverse("licensing:subscription_users_total", args=[org.s.pk])
    assert scoped_client.get(url, {"product": "PROJECT_P3"}).context["total"] == 0
    assert scoped_client.get(url, {"licensed": "true"}).context["total"] == 2  # Alex and Henrietta


def test_the_page_of_a_hidden_subscription_is_not_found(org: Org, t_only, scoped_client):
    url = reverse("licensing:subscription_users", args=[org.t.pk])
    assert scoped_client.get(url, {"product": "PROJECT_P3"}).status_code == 404
