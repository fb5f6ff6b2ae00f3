"""licensing/services/skus.py: licenses named by product alone (Graph's assignLicense). The pool-choice rule, each
of its steps; removal from wherever the user holds the license directly; all or nothing across subscriptions;
scope; groups."""

import datetime

import pytest

from accounts.choices import Role
from accounts.services.groups import group_create, group_members_change
from core.audit import SYSTEM, Actor
from core.choices import Source
from core.errors import LicenseInherited, NotEnoughLicenses, ValidationFailed
from core.models import AuditEvent
from licensing.choices import SubscriptionStatus
from licensing.models import GroupLicense, LicenseAssignment, LicensePool
from licensing.services.assignments import user_licenses_change
from licensing.services.group_licenses import group_licenses_change
from licensing.services.skus import group_skus_change
from tests.factories import (
    LicensePoolFactory,
    ProductFactory,
    RoleAssignmentFactory,
    ServicePlanFactory,
    SubscriptionFactory,
    UserFactory,
)
from tests.licensing.services.conftest import skus_change

GRAPH = Actor(None, Source.GRAPH)


def pool_of(product, *, status=SubscriptionStatus.ACTIVE, ends_on=None, quantity=5, name=None):
    subscription = SubscriptionFactory(status=status, ends_on=ends_on, **({"name": name} if name else {}))
    return LicensePoolFactory(subscription=subscription, product=product, quantity=quantity)


def held_pools(user) -> set[int]:
    return set(LicenseAssignment.objects.filter(user=user).values_list("pool_id", flat=True))


@pytest.fixture
def product(db):
    return ProductFactory(sku_part_number="SKU_GRAPH")


@pytest.fixture
def user(db):
    return UserFactory()


def test_an_active_subscription_before_one_in_its_grace_period(product, user):
    warning = pool_of(product, status=SubscriptionStatus.WARNING, ends_on=datetime.date(2026, 2, 1))
    active = pool_of(product, ends_on=datetime.date(2027, 1, 1))
    skus_change(by=GRAPH, user=user, add=[product])
    assert held_pools(user) == {active.pk} != {warning.pk}


def test_then_the_subscription_ending_first_an_open_ended_one_last(product, user):
    open_ended = pool_of(product)
    later = pool_of(product, ends_on=datetime.date(2027, 6, 1))
    sooner = pool_of(product, ends_on=datetime.date(2027, 1, 1))
    skus_change(by=GRAPH, user=user, add=[product])
    assert held_pools(user) == {sooner.pk}
    assert {later.pk, open_ended.pk}.isdisjoint(held_pools(user))


def test_then_the_lowest_id(product, user):
    first, _second = pool_of(product), pool_of(product)
    skus_change(by=GRAPH, user=user, add=[product])
    assert held_pools(user) == {first.pk}


def test_only_pools_with_a_free_license_in_a_subscription_that_allows_assignment(product, user):
    pool_of(product, quantity=0, ends_on=datetime.date(2026, 3, 1))  # full
    pool_of(product, status=SubscriptionStatus.SUSPENDED, ends_on=datetime.date(2026, 4, 1))
    waiting = pool_of(product, quantity=1, ends_on=datetime.date(2026, 5, 1))
    group = group_create(by=SYSTEM, name="Line", kind="assigned")
    group_members_change(by=SYSTEM, group=group, add=UserFactory.create_batch(2))
    group_licenses_change(by=SYSTEM, group=group, subscription=waiting.subscription, add=[product])  # one waits
    free = pool_of(product, status=SubscriptionStatus.WARNING, ends_on=datetime.date(2026, 6, 1))
    skus_change(by=GRAPH, user=user, add=[product])
    assert held_pools(user) == {free.pk}


def test_no_pool_with_a_free_license_is_not_enough_licenses_naming_the_sku_id(product, user):
    pool_of(product, quantity=0)
    pool_of(product, status=SubscriptionStatus.EXPIRED)
    with pytest.raises(NotEnoughLicenses) as refused:
        skus_change(by=GRAPH, user=user, add=[product])
    assert refused.value.details["sku_id"] == str(product.sku_id)
    assert held_pools(user) == set()


def test_a_product_held_stays_in_its_pool_and_changes_only_its_plans(product, user):
    plan = ServicePlanFactory(name="GRAPH_PLAN")
    product.service_plans.set([plan])
    later = pool_of(product, ends_on=datetime.date(2027, 6, 1))
    pool_of(product, ends_on=datetime.date(2027, 1, 1))  # the rule's choice for a newcomer
    user_licenses_change(by=SYSTEM, user=user, subscription=later.subscription, add=[product])
    change = skus_change(by=GRAPH, user=user, add=[product], disabled_plans={product: [str(plan.service_plan_id)]})
    assert held_pools(user) == {later.pk}
    assert LicenseAssignment.objects.get(user=user).disabled_plans == [str(plan.service_plan_id)]
    assert change.plans_changed == [product] and change.added == []
    assert later.assigned == 0 and LicensePool.objects.get(pk=later.pk).assigned == 1


def test_removal_takes_every_direct_license_of_the_product(product, user):
    pools = [pool_of(product), pool_of(product)]
    for pool in pools:
        user_licenses_change(by=SYSTEM, user=user, subscription=pool.subscription, add=[product])
    change = skus_change(by=GRAPH, user=user, remove=[product])
    assert held_pools(user) == set() and change.removed == [product, product]


def test_removing_a_license_held_only_from_a_group_is_refused(product, user):
    pool = pool_of(product)
    group = group_create(by=SYSTEM, name="Givers", kind="assigned")
    group_members_change(by=SYSTEM, group=group, add=[user])
    group_licenses_change(by=SYSTEM, group=group, subscription=pool.subscription, add=[product])
    with pytest.raises(LicenseInherited):
        skus_change(by=GRAPH, user=user, remove=[product])


def test_all_or_nothing_across_subscriptions(user):
    first, second = ProductFactory(), ProductFactory()
    pool_of(first, name="A first")
    pool_of(second, quantity=0, name="B second")
    with pytest.raises(NotEnoughLicenses):
        skus_change(by=GRAPH, user=user, add=[first, second])
    assert held_pools(user) == set()
    assert not AuditEvent.objects.filter(subject_user=user).exists()


def test_a_change_across_subscriptions_is_audited_with_its_source(user):
    first, second = ProductFactory(), ProductFactory()
    pools = [pool_of(first), pool_of(second)]
    change = skus_change(by=GRAPH, user=user, add=[first, second])
    assert held_pools(user) == {pool.pk for pool in pools}
    assert change.added == [first, second]
    events = AuditEvent.objects.filter(subject_user=user, action="license_assigned")
    assert sorted(events.values_list("source", flat=True)) == ["graph", "graph"]


def test_a_subscription_administrator_draws_only_from_their_subscriptions(product, user):
    theirs = pool_of(product, ends_on=datetime.date(2027, 6, 1))
    pool_of(product, ends_on=datetime.date(2027, 1, 1))  # the rule's choice, outside their scope
    admin = RoleAssignmentFactory(role=Role.SUBSCRIPTION_ADMIN, subscription=theirs.subscription).user
    skus_change(by=Actor(admin, Source.GRAPH), user=user, add=[product])
    assert held_pools(user) == {theirs.pk}


def test_a_product_both_added_and_removed_is_refused(product, user):
    pool_of(product)
    with pytest.raises(ValidationFailed):
        skus_change(by=GRAPH, user=user, add=[product], remove=[product])


def test_a_group_gets_the_rules_pool_or_waits_in_the_first_assignable_one(product):
    members = UserFactory.create_batch(2)
    group = group_create(by=SYSTEM, name="Team", kind="assigned")
    group_members_change(by=SYSTEM, group=group, add=members)
    pool_of(product, status=SubscriptionStatus.SUSPENDED)
    full = pool_of(product, quantity=0, ends_on=datetime.date(2027, 1, 1))
    later_full = pool_of(product, quantity=0, ends_on=datetime.date(2027, 6, 1))
    group_skus_change(by=GRAPH, group=group, add=[product])
    assert set(GroupLicense.objects.filter(group=group).values_list("pool_id", flat=True)) == {full.pk}
    assert later_full.pk not in held_pools(members[0])
    full.refresh_from_db()
    assert full.pending == 2
    group_skus_change(by=GRAPH, group=group, remove=[product])
    assert not GroupLicense.objects.filter(group=group).exists()
