"""Races of licenses named by product alone (Graph's assignLicense, licensing/services/skus.py) on PostgreSQL: the
pools of a product spread over subscriptions are never over-assigned, the pool-choice rule never hands out a
license twice, and two changes never deadlock, whatever they lock."""

import pytest

from accounts.services.groups import group_create, group_members_change
from core.audit import SYSTEM, Actor
from core.choices import Source
from licensing.integrity import source_problems
from licensing.models import LicenseAssignment, LicensePool
from licensing.services.group_licenses import group_licenses_change
from tests.concurrency import codes, run_at_once, unexpected
from tests.factories import LicensePoolFactory, ProductFactory, UserFactory
from tests.licensing.services.conftest import skus_change

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

GRAPH = Actor(None, Source.GRAPH)


def test_twelve_users_race_for_three_licenses_in_two_subscriptions(assert_pool_counters):
    product = ProductFactory()
    pools = [LicensePoolFactory(product=product, quantity=quantity) for quantity in (1, 2)]
    contenders = UserFactory.create_batch(12)

    outcomes = run_at_once([lambda user=user: skus_change(by=GRAPH, user=user, add=[product]) for user in contenders])

    assert unexpected(outcomes) == []
    assert codes(outcomes) == {"ok": 3, "not_enough_licenses": 9}
    assert [LicensePool.objects.get(pk=pool.pk).assigned for pool in pools] == [1, 2]
    assert_pool_counters()


def test_two_products_crossing_subscriptions_in_opposite_orders_do_not_deadlock(assert_pool_counters):
    """One user's change adds A and B, another's B and A, a third's removal and a group's change lock the same
    pools meanwhile: every pool is locked in primary-key order whatever the order the products come in."""
    first, second = ProductFactory(), ProductFactory()
    for product in (first, second):
        for _ in range(2):
            LicensePoolFactory(product=product, quantity=20)
    users = UserFactory.create_batch(6)
    group = group_create(by=SYSTEM, name="Racers", kind="assigned")
    group_members_change(by=SYSTEM, group=group, add=users[4:])
    some_pool = LicensePool.objects.filter(product=second).order_by("pk").last()

    calls = [
        lambda user=user, products=products: skus_change(by=GRAPH, user=user, add=products)
        for user, products in zip(users[:4], [[first, second], [second, first]] * 2, strict=True)
    ]
    calls.append(
        lambda: group_licenses_change(by=SYSTEM, group=group, subscription=some_pool.subscription, add=[second])
    )

    outcomes = run_at_once(calls)

    assert unexpected(outcomes) == []
    assert codes(outcomes) == {"ok": 5}
    assert LicenseAssignment.objects.filter(user__in=users[:4]).count() == 8
    assert source_problems() == []
    assert_pool_counters()
