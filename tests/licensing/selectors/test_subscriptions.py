"""licensing.selectors.subscriptions: what each role sees, naming a subscription, and how full each pool is."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.services.groups import group_members_change
from core.audit import Actor
from core.choices import Source
from core.errors import NotFound, PermissionDenied
from licensing.selectors.subscriptions import (
    PoolUsage,
    license_usage,
    pools_visible,
    subscription_get,
    subscription_resolve,
    subscriptions_visible,
)
from licensing.services.group_licenses import group_licenses_change
from tests.factories import GroupFactory, LicensePoolFactory, SubscriptionFactory, UserFactory


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("global_admin", {"Contoso Enterprise", "Fabrikam Research"}),
        ("user_admin", {"Contoso Enterprise", "Fabrikam Research"}),
        ("subscription_admin", {"Contoso Enterprise"}),
    ],
)
def test_each_admin_sees_the_subscriptions_of_their_scope(org, role, expected):
    actor = org.users[role]

    assert {subscription.name for subscription in subscriptions_visible(actor=actor)} == expected
    assert {pool.subscription.name for pool in pools_visible(actor=actor)} == expected


def test_an_operator_sees_every_subscription(org):
    assert set(subscriptions_visible(actor=None)) == {org.s, org.t}


def test_a_subscription_administrator_out_of_scope_sees_only_their_own(org, out_of_scope_admin):
    assert list(subscriptions_visible(actor=out_of_scope_admin)) == [org.t]


def test_the_pools_come_with_each_subscription_by_product_name(org):
    [s] = subscriptions_visible(actor=org.users["subscription_admin"])

    assert [pool.product.name for pool in s.pools.all()] == [
        "OfficeSeries E3",
        "OfficeSeries E5",
        "OfficeSeries Visio Plan 2",
    ]


@pytest.mark.parametrize("identifier", ["Contoso Enterprise", "contoso enterprise", "  CONTOSO ENTERPRISE "])
def test_resolve_by_name_ignores_case_and_spaces(org, identifier):
    assert subscription_resolve(actor=None, identifier=identifier) == org.s


def test_resolve_by_id(org):
    assert subscription_resolve(actor=None, identifier=str(org.t.pk)) == org.t


def test_a_name_wins_over_an_id(org):
    named_like_an_id = SubscriptionFactory(name=str(org.s.pk))

    assert subscription_resolve(actor=None, identifier=str(org.s.pk)) == named_like_an_id


def test_resolve_of_an_unknown_subscription_is_not_found(org):
    with pytest.raises(NotFound) as caught:
        subscription_resolve(actor=None, identifier="No Such Subscription")

    assert caught.value.details == {"subscription": "No Such Subscription"}


def test_resolve_outside_the_scope_is_not_found(org):
    with pytest.raises(NotFound):
        subscription_resolve(actor=org.users["subscription_admin"], identifier="Fabrikam Research")


def test_resolve_by_a_member_is_refused(org):
    with pytest.raises(PermissionDenied):
        subscription_resolve(actor=org.users["member"], identifier="Contoso Enterprise")


def test_license_usage_has_a_level_per_pool(org):
    usage = {(row.subscription, row.sku): row for row in license_usage(actor=None)}

    assert {key: (row.assigned, row.available, row.level) for key, row in usage.items()} == {
        ("Contoso Enterprise", "OFFICESERIES_E3"): (1, 19, "ok"),
        ("Contoso Enterprise", "OFFICESERIES_E5"): (0, 5, "ok"),
        ("Contoso Enterprise", "VISIO_P2"): (1, 0, "full"),
        ("Fabrikam Research", "OFFICESERIES_E3"): (1, 6, "ok"),
    }


def test_license_usage_counts_the_members_waiting(db):
    by = Actor(None, Source.CLI, label="operator")
    pool = LicensePoolFactory(quantity=1)
    group = GroupFactory()
    group_members_change(by=by, group=group, add=UserFactory.create_batch(3))
    group_licenses_change(by=by, group=group, subscription=pool.subscription, add=[pool.product])

    (usage,) = license_usage(actor=None)

    assert (usage.assigned, usage.available, usage.waiting, usage.level) == (1, 0, 2, "full")


def test_license_usage_is_limited_to_the_scope(org):
    rows = license_usage(actor=org.users["subscription_admin"])

    assert {row.subscription for row in rows} == {"Contoso Enterprise"}


@pytest.mark.parametrize(
    ("quantity", "assigned", "level", "utilisation"),
    [
        (10, 8, "ok", 80.0),
        (10, 9, "warning", 90.0),
        (10, 10, "full", 100.0),
        (0, 0, "full", None),
    ],
)
def test_usage_levels(quantity, assigned, level, utilisation):
    usage = PoolUsage("S", "active", "SKU", "Product", quantity=quantity, assigned=assigned, waiting=0)

    assert (usage.level, usage.utilisation) == (level, utilisation)


def test_a_subscription_is_read_with_its_pools_in_one_query(org):
    with CaptureQueriesContext(connection) as captured:
        subscription = subscription_get(actor=org.users["global_admin"], subscription_id=org.s.pk)
        pools = list(subscription.pools.all())
    assert len(captured.captured_queries) == 1
    assert subscription == org.s and pools and all(pool.subscription is subscription for pool in pools)
    assert [pool.product.name for pool in pools] == sorted(pool.product.name for pool in pools)


def test_a_subscription_without_pools_is_read_on_its_own(org):
    empty = SubscriptionFactory()
    with CaptureQueriesContext(connection) as captured:
        subscription = subscription_get(actor=None, subscription_id=empty.pk)
        assert list(subscription.pools.all()) == []
    assert subscription == empty and len(captured.captured_queries) == 2


def test_no_such_subscription_is_not_found(org):
    with pytest.raises(NotFound):
        subscription_get(actor=None, subscription_id=0)
