"""List endpoints cost a constant number of queries: a page of 25 costs what a page of 2 does."""

from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.services.groups import group_members_change
from core.audit import Actor
from core.choices import Source
from licensing.models import LicenseAssignment, LicensePool, Subscription
from licensing.services.assignments import user_licenses_change
from licensing.services.group_licenses import group_licenses_change
from tests.api.conftest import bearer_client
from tests.factories import GroupFactory, LicensePoolFactory, ProductFactory, SubscriptionFactory, UserFactory
from tests.world import write_statements

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
# Authentication (the token with its admin's roles), count, page, and at most two prefetches.
MAX_QUERIES = 6
# The users lists: authentication, count, page (a subscription filter reads the subscription's pools with the
# subscription), then users_licenses: the licenses held and the places in lines, each with the groups that give it.
USERS_QUERIES = {"/api/v1/users/": 4, "/api/v1/users/?subscription={big}&licensed=true": 5}


@dataclass
class Many:
    client: APIClient
    big: Subscription


@pytest.fixture
def many(org) -> Many:
    """Every list longer than a page of 25: 30 users holding licenses in one big subscription, directly and from
    two groups, and waiting for a scarce product; 30 more subscriptions of two products each, and 30 tokens of the
    caller."""
    users = UserFactory.create_batch(30)
    big = LicensePoolFactory(quantity=100)
    by = Actor(None, Source.CLI)
    for user in users:
        user_licenses_change(user=user, subscription=big.subscription, add=[big.product], by=by)
    scarce = LicensePoolFactory(subscription=big.subscription, quantity=1)
    for group in GroupFactory.create_batch(2):
        group_members_change(group=group, add=users, by=by)
        group_licenses_change(group=group, subscription=big.subscription, add=[big.product, scarce.product], by=by)
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
    small = queries(many.client, url.format(big=many.big.pk), 2)
    large = queries(many.client, url.format(big=many.big.pk), 25)
    assert small == large
    assert large == USERS_QUERIES[url] if url in USERS_QUERIES else large <= MAX_QUERIES


def detail_queries(client: APIClient, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(captured)


def test_a_users_licenses_cost_the_same_however_many_they_hold_wait_for_or_inherit(org, many):
    """Authentication, the user, users_licenses (one)."""
    [busy] = many.big.pools.get(quantity=100).assignments.order_by("pk")[:1].values_list("user_id", flat=True)
    assert detail_queries(many.client, f"/api/v1/users/{org.henrietta.pk}/licenses/") == 3  # one license
    assert detail_queries(many.client, f"/api/v1/users/{busy}/licenses/") == 3  # direct, two groups, a line


def test_one_license_change_costs_the_same_however_many_the_user_holds(org, many):
    """Authentication; the service between two savepoints: the user's lock (the user of the answer), the pools'
    locks (the subscription's pools of the products the request names), the pools read with their products,
    subscription, the user's licenses and group sources, the writes; users_licenses (one)."""
    [busy] = many.big.pools.get(quantity=100).assignments.order_by("pk")[:1].values_list("user_id", flat=True)
    for user_id in (org.henrietta.pk, busy):
        body = {"subscription": org.s.pk, "add": [org.e5.sku_part_number], "remove": []}
        with CaptureQueriesContext(connection) as captured:
            response = many.client.post(f"/api/v1/users/{user_id}/licenses/", body, format="json")
        assert response.status_code == 200, response.content
        assert len(captured) == 7 + write_statements(3)
        assert LicenseAssignment.objects.filter(
            user_id=user_id, pool__product=org.e5, pool__subscription=org.s
        ).exists()


@pytest.mark.parametrize(
    ("named", "writes", "held"),
    [
        ([], 3, set()),  # E3 and Visio removed: the delete, the counters, the events
        (["OFFICESERIES_E5"], 5, {"OFFICESERIES_E5"}),  # and E5 added: its insert and counter too
        (["{e5}", "officeseries_e3"], 5, {"OFFICESERIES_E3", "OFFICESERIES_E5"}),  # E5 by sku id added, E3 kept
    ],
)
def test_a_put_costs_what_a_post_does_whatever_it_names(org, many, named, writes, held):
    """The PUT's pools (those named, by sku id or part number, and those the user holds directly) are locked by one
    statement too, and read with the user's licenses in one more: as many queries as a POST."""
    by = Actor(None, Source.CLI, label="test")
    user_licenses_change(by=by, user=org.henrietta, subscription=org.s, add=[org.e3])
    body = {"subscription": org.s.pk, "products": [name.format(e5=org.e5.sku_id) for name in named]}
    with CaptureQueriesContext(connection) as captured:
        response = many.client.put(f"/api/v1/users/{org.henrietta.pk}/licenses/", body, format="json")
    assert response.status_code == 200, response.content
    assert len(captured) == 7 + write_statements(writes)
    direct = LicenseAssignment.objects.filter(user=org.henrietta, pool__subscription=org.s, direct=True)
    assert set(direct.values_list("pool__product__sku_part_number", flat=True)) == held


def test_a_puts_locking_statement_is_built_once_for_every_put_naming_as_many(org, many, monkeypatch):
    """Built by Django on every PUT, the statement that locks its pools is compiled once per number of sku ids and
    of part numbers named (core.sql.statement_once): a later PUT builds no query of pools at all."""
    url = f"/api/v1/users/{org.henrietta.pk}/licenses/"
    assert many.client.put(url, {"subscription": org.s.pk, "products": ["VISIO_P2"]}, format="json").status_code == 200
    built = []
    filter_pools = LicensePool.objects.filter
    monkeypatch.setattr(
        LicensePool.objects, "filter", lambda *args, **kwargs: built.append(1) or filter_pools(*args, **kwargs)
    )
    for name in ("OFFICESERIES_E3", "officeseries_e5", "VISIO_P2"):
        assert many.client.put(url, {"subscription": org.s.pk, "products": [name]}, format="json").status_code == 200
    assert built == []


def test_a_groups_licenses_cost_the_same_however_many_pools_and_members(org, many):
    """Authentication, the group, the version, the pools with their members' counts."""
    lone, crowded = GroupFactory(), many.big.pools.first().group_licenses.first().group
    group_licenses_change(group=lone, subscription=org.s, add=[org.e3], by=Actor(None, Source.CLI))
    assert detail_queries(many.client, f"/api/v1/groups/{lone.pk}/licenses/") == 4
    assert detail_queries(many.client, f"/api/v1/groups/{crowded.pk}/licenses/") == 4
