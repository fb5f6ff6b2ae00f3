"""licensing.services.bulk: licenses_bulk_assign and licenses_bulk_unassign, all or nothing, per-user reports."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.audit import Actor
from core.choices import AuditAction, Source
from core.errors import NotEnoughLicenses, ProductNotInSubscription, SubscriptionNotActive
from core.models import AuditEvent
from licensing.choices import SubscriptionStatus
from licensing.services.bulk import licenses_bulk_assign
from tests.factories import LicensePoolFactory, UserFactory
from tests.licensing.services.conftest import assigned, bulk_assign, bulk_unassign, change, held

pytestmark = pytest.mark.django_db


def test_bulk_assign_reports_each_user(subscription, pool_a, assert_pool_counters):
    holder, newcomer = UserFactory(), UserFactory()
    change(holder, subscription, add=[pool_a])

    result = bulk_assign(pool_a, [holder, newcomer, newcomer])

    assert result.outcomes == {holder.pk: "already_assigned", newcomer.pk: "assigned"}
    assert (result.changed, result.unchanged) == (1, 1)
    assert held(newcomer) == {"SKU_A"}
    assert assigned(pool_a) == 2
    bulk_events = AuditEvent.objects.filter(details__bulk=True)
    assert [(event.action, event.subject_user) for event in bulk_events] == [(AuditAction.LICENSE_ASSIGNED, newcomer)]
    assert_pool_counters()


def test_bulk_assign_is_all_or_nothing_and_names_the_shortfall(subscription, pool_a, assert_pool_counters):
    holder = UserFactory()
    change(holder, subscription, add=[pool_a])
    newcomers = UserFactory.create_batch(3)

    with pytest.raises(NotEnoughLicenses) as caught:
        bulk_assign(pool_a, [holder, *newcomers])

    assert caught.value.details["requested"] == 3  # the holder needs no new license
    assert caught.value.details["available"] == 2
    assert caught.value.details["sku"] == "SKU_A"
    assert all(held(newcomer) == set() for newcomer in newcomers)
    assert AuditEvent.objects.count() == 1
    assert_pool_counters()


@pytest.mark.parametrize("status", [SubscriptionStatus.SUSPENDED, SubscriptionStatus.EXPIRED])
def test_bulk_assign_is_refused_when_suspended_or_expired(status, subscription, pool_a):
    subscription.status = status
    subscription.save()

    with pytest.raises(SubscriptionNotActive):
        bulk_assign(pool_a, [UserFactory()])


def test_bulk_assign_of_users_who_all_hold_it_is_allowed_in_any_status(subscription, pool_a):
    holder = UserFactory()
    change(holder, subscription, add=[pool_a])
    subscription.status = SubscriptionStatus.EXPIRED
    subscription.save()

    assert bulk_assign(pool_a, [holder]).outcomes == {holder.pk: "already_assigned"}


def test_bulk_unassign_reports_each_user_and_works_when_expired(subscription, pool_a, assert_pool_counters):
    holders = UserFactory.create_batch(2)
    bystander = UserFactory()
    bulk_assign(pool_a, holders)
    subscription.status = SubscriptionStatus.EXPIRED
    subscription.save()

    result = bulk_unassign(pool_a, [*holders, bystander])

    assert result.outcomes == {holders[0].pk: "unassigned", holders[1].pk: "unassigned", bystander.pk: "not_assigned"}
    assert result.changed == 2
    assert assigned(pool_a) == 0
    assert AuditEvent.objects.filter(action=AuditAction.LICENSE_UNASSIGNED, details__bulk=True).count() == 2
    assert_pool_counters()


def test_bulk_with_a_product_outside_the_subscription_is_refused(subscription):
    elsewhere = LicensePoolFactory()

    with pytest.raises(ProductNotInSubscription):
        licenses_bulk_assign(
            subscription=subscription, product=elsewhere.product, users=[UserFactory()], by=Actor(None, Source.CLI)
        )


def test_bulk_assign_takes_the_same_number_of_queries_for_few_or_many_users(
    subscription, django_assert_num_queries, global_admin
):
    few, many = UserFactory.create_batch(3), UserFactory.create_batch(30)
    pool = LicensePoolFactory(subscription=subscription, quantity=100)
    other_pool = LicensePoolFactory(subscription=subscription, quantity=100)
    admin = type(global_admin).objects.get(pk=global_admin.pk)  # no cached scope: both calls read the roles
    admin_again = type(global_admin).objects.get(pk=global_admin.pk)

    with CaptureQueriesContext(connection) as small:
        bulk_assign(pool, few, actor=admin)
    with django_assert_num_queries(len(small.captured_queries)):
        bulk_assign(other_pool, many, actor=admin_again)
