"""Shared pieces of the licensing service tests: three pools of one subscription, a user, actors out of scope or
disabled, and helpers that call the services the way the entry points do. Every test ends by checking that each
pool's counter still equals its assignment rows."""

import pytest

from accounts.choices import Role
from core.audit import Actor
from core.choices import Source
from core.models import AuditEvent
from licensing.models import LicenseAssignment, LicensePool
from licensing.services.assignments import user_licenses_change
from licensing.services.bulk import licenses_bulk_assign, licenses_bulk_unassign
from licensing.services.pools import pool_set_quantity
from licensing.services.skus import user_skus_change
from tests.factories import LicensePoolFactory, RoleAssignmentFactory, SubscriptionFactory, UserFactory


@pytest.fixture(autouse=True)
def _counters_stay_right(assert_pool_counters):
    """Whatever a test did, every pool's counter still equals its assignment rows afterwards."""
    yield
    assert_pool_counters()


@pytest.fixture
def pool_a(subscription):
    return LicensePoolFactory(subscription=subscription, product__sku_part_number="SKU_A", quantity=3)


@pytest.fixture
def pool_b(subscription):
    return LicensePoolFactory(subscription=subscription, product__sku_part_number="SKU_B", quantity=1)


@pytest.fixture
def pool_c(subscription):
    return LicensePoolFactory(subscription=subscription, product__sku_part_number="SKU_C", quantity=2)


@pytest.fixture
def user(db):
    return UserFactory()


def change(user, subscription, add=(), remove=(), actor=None, source=Source.WEB, actor_label="", **kwargs):
    return user_licenses_change(
        user=user,
        subscription=subscription,
        add=[pool.product for pool in add],
        remove=[pool.product for pool in remove],
        **kwargs,
        by=Actor(actor, source, label=actor_label),
    )


def held(user, subscription=None) -> set[str]:
    """The part numbers of the licenses `user` holds (in `subscription`, when given)."""
    assignments = LicenseAssignment.objects.filter(user=user)
    if subscription is not None:
        assignments = assignments.filter(pool__subscription=subscription)
    return set(assignments.values_list("pool__product__sku_part_number", flat=True))


def assigned(pool) -> int:
    return LicensePool.objects.values_list("assigned", flat=True).get(pk=pool.pk)


def events():
    return list(AuditEvent.objects.order_by("id"))


def set_quantity(pool, quantity, actor=None):
    return pool_set_quantity(pool=pool, quantity=quantity, by=Actor(actor, Source.WEB))


def bulk_assign(pool, users, actor=None):
    return licenses_bulk_assign(
        subscription=pool.subscription, product=pool.product, users=users, by=Actor(actor, Source.CLI)
    )


def bulk_unassign(pool, users, actor=None):
    return licenses_bulk_unassign(
        subscription=pool.subscription, product=pool.product, users=users, by=Actor(actor, Source.CLI)
    )


@pytest.fixture
def other_subscription_admin(db):
    return RoleAssignmentFactory(role=Role.SUBSCRIPTION_ADMIN, subscription=SubscriptionFactory()).user


@pytest.fixture
def inactive_admin(db):
    admin = RoleAssignmentFactory(role=Role.GLOBAL_ADMIN).user
    admin.is_active = False
    admin.save()
    return admin


def skus_change(*, by, user, add=(), remove=(), disabled_plans=None):
    """services.skus.user_skus_change as Graph names things: the user by public id, the products by sku id."""
    return user_skus_change(
        by=by,
        key=str(user.public_id),
        add=[product.sku_id for product in add],
        remove=[product.sku_id for product in remove],
        disabled_plans={product.sku_id: plans for product, plans in (disabled_plans or {}).items()},
    )
