"""List endpoints cost a constant number of queries: a page of 25 costs what a page of 2 does."""

from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from core.audit import Actor
from core.choices import Source
from licensing.models import Subscription
from licensing.services.assignments import user_licenses_change
from tests.api.conftest import bearer_client
from tests.factories import LicensePoolFactory, ProductFactory, SubscriptionFactory, UserFactory

LISTS = [
    "/api/v1/users/",
    "/api/v1/users/?subscription={big}&licensed=true",
    "/api/v1/subscriptions/",
    "/api/v1/products/",
    "/api/v1/pools/",
    "/api/v1/assignments/",
    "/api/v1/audit-events/?subscription={big}",
    "/api/v1/tokens/",
]
# Authentication (token, roles), count, page, and at most two prefetches.
MAX_QUERIES = 7


@dataclass
class Many:
    client: APIClient
    big: Subscription


@pytest.fixture
def many(org) -> Many:
    """Every list longer than a page of 25: 30 users holding licenses in one big subscription, 30 more
    subscriptions of two products each, and 30 tokens of the caller."""
    users = UserFactory.create_batch(30)
    big = LicensePoolFactory(quantity=100)
    for user in users:
        user_licenses_change(user=user, subscription=big.subscription, add=[big.product], by=Actor(None, Source.CLI))
    for _ in range(30):
        subscription = SubscriptionFactory()
        for product in ProductFactory.create_batch(2):
            LicensePoolFactory(subscription=subscription, product=product)
    admin = org.users["global_admin"]
    client = bearer_client(admin)
    for _ in range(29):
        bearer_client(admin)
    client.get("/api/v1/products/")  # records the token's first use, which writes once
    return Many(client=client, big=big.subscription)


def queries(client: APIClient, url: str, limit: int) -> int:
    url = f"{url}{'&' if '?' in url else '?'}limit={limit}"
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content
    assert len(response.json()["results"]) == limit, url
    return len(captured)


@pytest.mark.parametrize("url", LISTS)
def test_list_queries_do_not_grow_with_page_size(many, url):
    url = url.format(big=many.big.pk)
    small = queries(many.client, url, 2)
    large = queries(many.client, url, 25)
    assert small == large
    assert large <= MAX_QUERIES
