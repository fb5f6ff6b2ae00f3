"""licensing.selectors.sources, the page-level reads: a page of users with each license's sources and state in one
query, the groups that hold a subscription's pools, and the licenses a user waits for as each admin sees them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.choices import GroupKind
from accounts.models import Group, User
from accounts.services.groups import group_create, group_members_change
from core.audit import Actor
from core.choices import Source
from licensing.models import PendingLicense
from licensing.selectors.assignments import pool_rows_visible, scope_of
from licensing.selectors.sources import (
    groups_holding,
    pools_with_user_licenses,
    user_pending_licenses,
    user_with_licenses,
    users_with_subscription_licenses,
)
from licensing.selectors.subscriptions import subscription_get
from licensing.services.assignments import user_licenses_change
from licensing.services.group_licenses import group_licenses_change
from tests.factories import LicensePoolFactory, UserFactory

SYSTEM = Actor(None, Source.CLI, label="test")


def group_with(org, name: str, *products, members=(), subscription=None):
    group = group_create(by=SYSTEM, name=name, kind=GroupKind.ASSIGNED)
    group_licenses_change(by=SYSTEM, group=group, subscription=subscription or org.s, add=list(products))
    group_members_change(by=SYSTEM, group=group, add=list(members))
    return group


def page_of_users(org, *users, subscription=None) -> list[User]:
    """users_with_subscription_licenses for `users`, by display name."""
    subscription = subscription_get(actor=None, subscription_id=(subscription or org.s).pk)
    return users_with_subscription_licenses(
        users=User.objects.filter(pk__in=[user.pk for user in users]).order_by("display_name"),
        pools=subscription.pools.all(),
    )


def page_of(org, *users, subscription=None) -> dict[str, list[tuple]]:
    """page_of_users as {display name: [(sku, direct, group names, pending, reason)]}."""
    rows = page_of_users(org, *users, subscription=subscription)
    return {
        person.display_name: [
            (
                license.pool.product.sku_part_number,
                license.sources.direct,
                [group.name for group in license.sources.groups],
                license.sources.pending,
                license.reason,
            )
            for license in person.subscription_licenses
        ]
        for person in rows
    }


def test_a_page_of_users_carries_every_source_and_state_in_one_query(org):
    group_with(org, "sales", org.e3, org.visio, members=[org.adele, org.alex])
    group_with(org, "Marketing", org.e3, members=[org.alex])
    with CaptureQueriesContext(connection) as captured:
        rows = page_of(org, org.adele, org.alex, org.henrietta, org.users["member"])
    assert len(captured.captured_queries) == 2  # the subscription with its pools, then the page
    assert rows == {
        "Adele Vance": [
            ("OFFICESERIES_E3", False, ["sales"], False, ""),
            ("VISIO_P2", False, ["sales"], True, "not enough licenses"),
        ],
        "Alex Wilber": [
            ("OFFICESERIES_E3", True, ["Marketing", "sales"], False, ""),  # by name, whatever the case
            ("VISIO_P2", False, ["sales"], True, "not enough licenses"),
        ],
        "Henrietta Mueller": [("VISIO_P2", True, [], False, "")],
        "Morgan Member": [],
    }


def test_a_source_group_is_its_id_and_name_with_no_defaults_drawn(org, monkeypatch):
    """The groups a page names as sources are built from the id and name read with the rows: no field's default
    is computed for them (a Group(pk=…) drew a random public id for each), and they are the groups themselves."""
    sales = group_with(org, "sales", org.e3, members=[org.adele])

    def no_default():
        raise AssertionError("a default was computed for a source group")

    monkeypatch.setattr(Group._meta.get_field("public_id"), "_get_default", no_default)
    [[license]] = [person.subscription_licenses for person in page_of_users(org, org.adele)]
    [group] = license.sources.groups
    assert (group.pk, group.name) == (sales.pk, "sales")
    assert group == sales


def test_a_group_of_another_subscription_is_no_source_here(org):
    group_with(org, "Fabrikam", org.e3, members=[org.alex], subscription=org.t)
    assert page_of(org, org.alex) == {"Alex Wilber": [("OFFICESERIES_E3", True, [], False, "")]}
    assert page_of(org, org.alex, subscription=org.t) == {
        "Alex Wilber": [("OFFICESERIES_E3", True, ["Fabrikam"], False, "")]
    }


def test_more_pools_than_one_mask_holds(org):
    """Past 62 pools the masks go on in a second one: the 63rd pool's license and line are found."""
    pools = LicensePoolFactory.create_batch(63, subscription=org.t, quantity=1)
    last = sorted(pools, key=lambda pool: pool.product.name)[-1]
    user_licenses_change(by=SYSTEM, user=org.adele, subscription=org.t, add=[last.product])
    group_with(org, "Late", last.product, members=[org.henrietta], subscription=org.t)
    rows = page_of(org, org.adele, org.henrietta, subscription=org.t)
    sku = last.product.sku_part_number
    assert rows["Adele Vance"] == [(sku, True, [], False, "")]
    assert rows["Henrietta Mueller"] == [(sku, False, ["Late"], True, "not enough licenses")]


def test_a_pool_past_the_32nd_of_a_mask_is_found(org):
    """A mask's high bits are past a 32-bit integer: PostgreSQL sums them as numeric unless told otherwise."""
    pools = sorted(LicensePoolFactory.create_batch(40, subscription=org.t, quantity=1), key=lambda p: p.product.name)
    first, last = pools[0], pools[39]
    user_licenses_change(by=SYSTEM, user=org.adele, subscription=org.t, add=[first.product, last.product])
    rows = page_of(org, org.adele, subscription=org.t)
    assert rows["Adele Vance"] == [(pool.product.sku_part_number, True, [], False, "") for pool in (first, last)]


def test_one_users_row_is_the_pages_row_of_them(org, django_assert_num_queries):
    """pools_with_user_licenses (what the dialog shows, and its row after a Save) gives each user, in one query,
    what the page gives them, with every pool of the subscription as it is now."""
    group_with(org, "sales", org.e3, org.visio, members=[org.adele, org.alex])
    pools = subscription_get(actor=None, subscription_id=org.s.pk).pools.all()
    people = [org.adele, org.alex, org.henrietta, org.users["member"]]
    page = {person.pk: person for person in users_with_subscription_licenses(users=User.objects.all(), pools=pools)}

    def shown(person) -> list[tuple]:
        return [
            (
                entry.pool.pk,
                entry.sources.direct,
                [(group.pk, group.name) for group in entry.sources.groups],
                entry.sources.pending,
                entry.reason,
            )
            for entry in person.subscription_licenses
        ]

    for user in people:
        with django_assert_num_queries(1):
            read = pools_with_user_licenses(subscription_id=org.s.pk, user=user)
        assert [(pool.pk, pool.available, pool.product.name) for pool in read] == [
            (pool.pk, pool.available, pool.product.name) for pool in pools
        ]
        one = user_with_licenses(user, read)
        assert (one.pk, shown(one)) == (user.pk, shown(page[user.pk]))
    assert len({len(shown(page[user.pk])) for user in people}) > 2  # they hold different licenses


def test_a_users_licenses_of_the_pools_carry_their_plans_and_the_products_plans(org):
    """What the dialog's switches show: the plans each source switches off, and every plan of each product."""
    user_licenses_change(
        by=SYSTEM, user=org.alex, subscription=org.s, add=[org.e5], disabled_plans={org.e5: ["TEAMS1"]}
    )
    sales = group_with(org, "sales", org.e5, members=[org.alex])
    group_licenses_change(by=SYSTEM, group=sales, subscription=org.s, disabled_plans={org.e5: ["MCOEV"]})
    read = {pool.product_id: pool for pool in pools_with_user_licenses(subscription_id=org.s.pk, user=org.alex)}
    e5 = read[org.e5.pk]
    assert e5.held and e5.license.sources.direct and [group.name for group in e5.license.sources.groups] == ["sales"]
    assert e5.license.sources.direct_disabled_plans == [str(org.plans["TEAMS1"].service_plan_id)]
    assert e5.license.sources.group_disabled_plans == {sales.pk: [str(org.plans["MCOEV"].service_plan_id)]}
    assert [plan.name for plan in e5.product.plans_read] == [plan.name for plan in org.e5.service_plans.all()]
    assert read[org.e3.pk].held and read[org.e3.pk].license.sources.direct  # from the world: Alex holds E3
    assert not read[org.visio.pk].held and read[org.visio.pk].license is None


def test_a_subscription_without_pools_gives_rows_without_licenses(org):
    rows = users_with_subscription_licenses(users=User.objects.filter(pk=org.alex.pk), pools=[])
    assert [person.subscription_licenses for person in rows] == [[]]


def test_the_groups_that_hold_the_pools_come_with_them_by_name_each_once(org):
    group_with(org, "sales", org.e3, org.visio)
    group_with(org, "Marketing", org.e5)
    group_with(org, "Fabrikam", org.e3, subscription=org.t)
    subscription = subscription_get(actor=None, subscription_id=org.s.pk, with_groups=True)
    assert [group.name for group in groups_holding(subscription.pools.all())] == ["Marketing", "sales"]
    bare = subscription_get(actor=None, subscription_id=org.t.pk, with_groups=True)
    assert [group.name for group in groups_holding(bare.pools.all())] == ["Fabrikam"]


def test_the_licenses_a_user_waits_for_as_each_admin_sees_them(org, out_of_scope_admin):
    group_with(org, "Sales", org.visio, members=[org.adele])
    t_pool = LicensePoolFactory(subscription=org.t, quantity=0)
    group_with(org, "Fabrikam", t_pool.product, members=[org.adele], subscription=org.t)

    def waits(actor) -> list[str]:
        return [wait.pool.product.name for wait in user_pending_licenses(user=org.adele, actor=actor)]

    assert waits(None) == ["OfficeSeries Visio Plan 2", t_pool.product.name]  # by subscription name
    assert waits(org.users["subscription_admin"]) == ["OfficeSeries Visio Plan 2"]
    assert waits(out_of_scope_admin) == [t_pool.product.name]
    assert waits(org.users["global_admin"]) == waits(None)


@pytest.mark.parametrize("in_memory", [True, False])
def test_pool_rows_visible_narrows_any_rows_of_a_pool_to_the_readers_scope(org, out_of_scope_admin, in_memory):
    group_with(org, "Sales", org.visio, members=[org.adele, UserFactory()])
    pools = [org.pool_visio, org.pool_t_e3] if in_memory else None
    rows = PendingLicense.objects.all()
    assert pool_rows_visible(rows, scope=scope_of(org.users["subscription_admin"]), pools=pools).count() == 2
    assert pool_rows_visible(rows, scope=scope_of(org.users["user_admin"]), pools=pools).count() == 2
    assert pool_rows_visible(rows, scope=None, pools=pools).count() == 2
    assert pool_rows_visible(rows, scope=scope_of(out_of_scope_admin), pools=pools).count() == 0
