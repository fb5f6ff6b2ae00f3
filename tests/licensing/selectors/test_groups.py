"""licensing.selectors.groups and .sources, the selectors the REST API adds: a group's pools with its members'
counts, and users' licenses held or waited for, with their sources, at a fixed number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.services.groups import group_members_change
from core.audit import Actor
from core.choices import Source
from licensing.selectors.groups import group_licenses_counted
from licensing.selectors.sources import users_licenses
from licensing.services.assignments import user_licenses_change
from licensing.services.group_licenses import group_licenses_change
from tests.factories import GroupFactory, UserFactory

SYSTEM = Actor(None, Source.SYSTEM)


@pytest.fixture
def sales(org):
    """Adele, Alex and Henrietta in one group holding E3 (plenty) and Visio (Henrietta holds the only one)."""
    group = GroupFactory(name="Sales")
    group_members_change(group=group, add=[org.adele, org.alex, org.henrietta], by=SYSTEM)
    group_licenses_change(group=group, subscription=org.s, add=[org.e3, org.visio], by=SYSTEM)
    return group


def test_a_groups_pools_count_its_members_holding_and_waiting(org, sales):
    other = GroupFactory(name="Others")
    group_members_change(group=other, add=[UserFactory()], by=SYSTEM)
    group_licenses_change(group=other, subscription=org.s, add=[org.visio], by=SYSTEM)  # waits too, not a member

    counted = {
        license.pool.product.sku_part_number: (license.members_holding, license.members_waiting)
        for license in group_licenses_counted(group=sales, actor=None)
    }

    assert counted == {"OFFICESERIES_E3": (3, 0), "VISIO_P2": (1, 2)}


def test_a_subscription_administrator_counts_only_their_subscriptions_pools(org, sales, out_of_scope_admin):
    assert list(group_licenses_counted(group=sales, actor=out_of_scope_admin)) == []


def test_users_licenses_lists_held_and_pending_with_their_sources(org, sales):
    user_licenses_change(user=org.adele, subscription=org.s, add=[org.e5], by=SYSTEM)
    nobody = UserFactory()

    listed = users_licenses(user_ids=[org.adele.pk, nobody.pk], actor=None)

    assert listed[nobody.pk] == []
    entries = [
        (entry.pool.product.sku_part_number, entry.state, entry.reason, entry.sources.direct, entry.sources.groups)
        for entry in listed[org.adele.pk]
    ]
    assert entries == [
        ("OFFICESERIES_E3", "active", None, False, [sales]),
        ("OFFICESERIES_E5", "active", None, True, []),
        ("VISIO_P2", "pending", "not_enough_licenses", False, [sales]),
    ]


def test_users_licenses_shows_only_what_the_admin_sees(org, sales, out_of_scope_admin):
    listed = users_licenses(user_ids=[org.adele.pk, org.alex.pk], actor=out_of_scope_admin)

    assert listed[org.adele.pk] == []  # her E3 and her place in Visio's line are in S
    assert [entry.pool for entry in listed[org.alex.pk]] == [org.pool_t_e3]


def test_users_licenses_costs_one_query_whatever_the_number_of_users(org, sales):
    people = UserFactory.create_batch(20)
    group_members_change(group=sales, add=people, by=SYSTEM)

    for user_ids in ([org.adele.pk], [org.adele.pk, *[person.pk for person in people]]):
        with CaptureQueriesContext(connection) as captured:
            users_licenses(user_ids=user_ids, actor=None)
        assert len(captured) == 1  # the assignments and the places in lines, each with the groups giving it
