"""licensing.selectors.plans: a product's plans in one query, plans named by id or name, and the plans switched off
on users' licenses at a fixed number of queries whatever the number of users."""

import pytest

from accounts.services.groups import group_members_change
from core.audit import Actor
from core.choices import Source
from core.errors import ValidationFailed
from licensing.selectors.plans import plans_disabled, plans_resolve, product_plans
from licensing.services.assignments import user_licenses_change
from licensing.services.group_licenses import group_licenses_change
from tests.factories import GroupFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db

BY = Actor(None, Source.CLI, label="test")


def names(plans) -> list[str]:
    return [plan.name for plan in plans]


def test_product_plans_lists_each_products_plans_by_name_in_one_query(org, django_assert_num_queries):
    bare = ProductFactory()
    with django_assert_num_queries(1):
        plans = product_plans([org.e3, org.e5, org.visio, bare])
    assert {product_id: names(its) for product_id, its in plans.items()} == {
        org.e3.pk: ["EXCHANGE_S_ENTERPRISE", "SHAREPOINTENTERPRISE", "TEAMS1"],
        org.e5.pk: ["EXCHANGE_S_ENTERPRISE", "MCOEV", "SHAREPOINTENTERPRISE", "TEAMS1"],
        org.visio.pk: ["VISIO_PLAN2"],
        bare.pk: [],
    }


def test_plans_resolve_takes_ids_and_names_in_any_case(org):
    teams = org.plans["TEAMS1"]
    resolved = plans_resolve(org.e3, [f" {str(teams.service_plan_id).upper()} ", "exchange_s_enterprise", "TEAMS1"])
    assert names(resolved) == ["EXCHANGE_S_ENTERPRISE", "TEAMS1"]
    assert plans_resolve(org.e3, []) == []


def test_plans_resolve_names_every_identifier_that_is_no_plan_of_the_product(org):
    with pytest.raises(ValidationFailed) as error:
        plans_resolve(org.e3, ["MCOEV", "TEAMS1", "NOPE"])
    assert error.value.details == {"sku": "OFFICESERIES_E3", "plans": ["MCOEV", "NOPE"]}


def test_plans_disabled_is_the_intersection_of_the_sources_at_two_queries_whatever_the_users(
    org, django_assert_num_queries
):
    sales = GroupFactory(name="Sales")
    group_licenses_change(by=BY, group=sales, subscription=org.s, add=[org.e3], disabled_plans={org.e3: ["TEAMS1"]})
    users = [UserFactory() for _ in range(5)]
    group_members_change(by=BY, group=sales, add=[*users, org.alex])
    user_licenses_change(
        by=BY, user=org.alex, subscription=org.s, disabled_plans={org.e3: ["TEAMS1", "EXCHANGE_S_ENTERPRISE"]}
    )
    user_licenses_change(by=BY, user=users[0], subscription=org.s, add=[org.e3], disabled_plans={org.e3: []})
    teams = [str(org.plans["TEAMS1"].service_plan_id)]
    with django_assert_num_queries(2):
        one = plans_disabled([org.alex.pk])
    with django_assert_num_queries(2):
        many = plans_disabled([org.alex.pk, *(user.pk for user in users)], [org.pool_e3.pk])
    assert one == {(org.alex.pk, org.pool_e3.pk): teams, (org.alex.pk, org.pool_t_e3.pk): []}
    assert many[org.alex.pk, org.pool_e3.pk] == teams
    assert many[users[0].pk, org.pool_e3.pk] == []  # on directly: on
    assert [many[user.pk, org.pool_e3.pk] for user in users[1:]] == [teams] * 4
    assert (org.alex.pk, org.pool_t_e3.pk) not in many
