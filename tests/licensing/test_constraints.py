"""The database itself refuses inconsistent licensing data, even from code that bypasses the services."""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from accounts.choices import Role
from accounts.models import RoleAssignment
from core.audit import Actor
from core.choices import Source
from licensing.models import LicenseAssignment, LicensePool
from licensing.services.assignments import user_licenses_change
from tests.factories import LicensePoolFactory, SubscriptionFactory, UserFactory

pytestmark = pytest.mark.django_db


def refused(operation) -> None:
    """`operation` raises IntegrityError and leaves the surrounding transaction usable."""
    with pytest.raises(IntegrityError), transaction.atomic():
        operation()


def assign(pool, user) -> None:
    user_licenses_change(user=user, subscription=pool.subscription, add=[pool.product], by=Actor(None, Source.CLI))


@pytest.fixture
def full_pool(db):
    pool = LicensePoolFactory(quantity=1)
    assign(pool, UserFactory())
    return pool


def test_assigned_cannot_exceed_quantity(full_pool):
    refused(lambda: LicensePool.objects.filter(pk=full_pool.pk).update(assigned=2))

    assert LicensePool.objects.get(pk=full_pool.pk).assigned == 1


def test_quantity_cannot_drop_below_assigned(full_pool):
    refused(lambda: LicensePool.objects.filter(pk=full_pool.pk).update(quantity=0))

    assert LicensePool.objects.get(pk=full_pool.pk).quantity == 1


def test_assigned_cannot_be_negative(pool):
    refused(lambda: LicensePool.objects.filter(pk=pool.pk).update(assigned=-1))


def test_a_new_pool_cannot_start_over_assigned(subscription):
    refused(lambda: LicensePoolFactory(subscription=subscription, quantity=1, assigned=2))


def test_a_user_holds_a_pool_license_at_most_once(full_pool):
    holder = LicenseAssignment.objects.get(pool=full_pool).user

    refused(lambda: LicenseAssignment.objects.create(pool=full_pool, user=holder))

    assert LicenseAssignment.objects.filter(pool=full_pool).count() == 1


def test_a_subscription_has_one_pool_per_product(pool):
    refused(lambda: LicensePool.objects.create(subscription=pool.subscription, product=pool.product, quantity=3))


def test_the_same_product_may_have_pools_in_two_subscriptions(pool):
    LicensePool.objects.create(subscription=SubscriptionFactory(), product=pool.product, quantity=3)

    assert LicensePool.objects.filter(product=pool.product).count() == 2


def test_a_pool_with_assignments_cannot_be_deleted(full_pool):
    with pytest.raises(ProtectedError):
        full_pool.delete()


def test_a_user_holding_a_license_cannot_be_deleted(full_pool):
    holder = LicenseAssignment.objects.get(pool=full_pool).user

    with pytest.raises(ProtectedError):
        holder.delete()


def test_subscription_status_must_be_known(db):
    refused(lambda: SubscriptionFactory(status="paused"))


def test_subscription_cannot_end_before_it_starts(db):
    refused(lambda: SubscriptionFactory(starts_on=datetime.date(2026, 5, 1), ends_on=datetime.date(2026, 4, 30)))


# --- admin roles -----------------------------------------------------------------------------------------------


def test_a_subscription_administrator_needs_a_subscription(db):
    user = UserFactory()

    refused(lambda: RoleAssignment.objects.create(user=user, role=Role.SUBSCRIPTION_ADMIN, subscription=None))


@pytest.mark.parametrize("role", [Role.GLOBAL_ADMIN, Role.USER_ADMIN])
def test_other_roles_take_no_subscription(role, subscription):
    user = UserFactory()

    refused(lambda: RoleAssignment.objects.create(user=user, role=role, subscription=subscription))


@pytest.mark.parametrize("role", [Role.GLOBAL_ADMIN, Role.USER_ADMIN])
def test_an_unscoped_role_is_held_once(role, db):
    user = UserFactory()
    RoleAssignment.objects.create(user=user, role=role)

    refused(lambda: RoleAssignment.objects.create(user=user, role=role))

    assert RoleAssignment.objects.filter(user=user).count() == 1


def test_a_scoped_role_is_held_once_per_subscription(subscription):
    user = UserFactory()
    RoleAssignment.objects.create(user=user, role=Role.SUBSCRIPTION_ADMIN, subscription=subscription)

    refused(lambda: RoleAssignment.objects.create(user=user, role=Role.SUBSCRIPTION_ADMIN, subscription=subscription))
    RoleAssignment.objects.create(user=user, role=Role.SUBSCRIPTION_ADMIN, subscription=SubscriptionFactory())

    assert RoleAssignment.objects.filter(user=user).count() == 2


def test_constraints_are_in_the_database_not_only_in_python(full_pool):
    """The check constraint exists in the schema, so raw SQL is refused too."""
    table = LicensePool._meta.db_table
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET assigned = quantity + 1 WHERE id = %s", [full_pool.pk])

    assert LicensePool.objects.get(pk=full_pool.pk).assigned == 1
