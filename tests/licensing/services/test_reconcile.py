"""licensing.services.reconcile: pool counters that disagree with their assignment rows, found and repaired."""

import pytest

from core.audit import Actor
from core.choices import AuditAction, Source
from core.errors import PermissionDenied, QuantityBelowAssigned
from core.models import AuditEvent
from licensing.models import LicenseAssignment, LicensePool
from licensing.services.reconcile import pools_reconcile
from tests.factories import LicensePoolFactory, UserFactory
from tests.licensing.services.conftest import assigned, change

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _counters_stay_right():
    """Drift is what these tests make, so they check the counters themselves."""


@pytest.fixture
def drift(subscription, pool_a, pool_c):
    """Drift made past the services: pool_a's counter says 3 for 1 row, pool_c lost one of its 2 rows."""
    change(UserFactory(), subscription, add=[pool_a])
    holders = [UserFactory(), UserFactory()]
    for holder in holders:
        change(holder, subscription, add=[pool_c])
    LicensePool.objects.filter(pk=pool_a.pk).update(assigned=3)
    LicenseAssignment.objects.filter(pool=pool_c, user=holders[0]).delete()


def reconcile(fix: bool, user=None):
    return pools_reconcile(by=Actor(user, Source.CLI, label="ops"), fix=fix)


def reconciled_events():
    return AuditEvent.objects.filter(action=AuditAction.POOL_RECONCILED)


def test_without_drift_nothing_is_found_or_written(subscription, pool_a, user):
    change(user, subscription, add=[pool_a])

    assert reconcile(fix=True) == []
    assert not reconciled_events().exists()


def test_without_fix_the_drift_is_reported_and_nothing_changes(pool_a, pool_c, drift):
    found = reconcile(fix=False)

    assert [(d.pool.pk, d.recorded, d.actual) for d in found] == [(pool_a.pk, 3, 1), (pool_c.pk, 2, 1)]
    assert (assigned(pool_a), assigned(pool_c)) == (3, 2)
    assert not reconciled_events().exists()


def test_fix_sets_each_counter_to_its_rows_and_audits_each_pool(pool_a, pool_c, drift, assert_pool_counters):
    reconcile(fix=True)

    assert (assigned(pool_a), assigned(pool_c)) == (1, 1)
    assert_pool_counters()
    assert {event.product_id: (event.details, event.actor_label) for event in reconciled_events()} == {
        pool_a.product_id: ({"old_assigned": 3, "new_assigned": 1}, "ops"),
        pool_c.product_id: ({"old_assigned": 2, "new_assigned": 1}, "ops"),
    }
    assert reconcile(fix=False) == []


def test_more_rows_than_licenses_is_refused_before_any_write(subscription, pool_a, pool_b, drift):
    change(UserFactory(), subscription, add=[pool_b])
    LicenseAssignment.objects.create(pool=pool_b, user=UserFactory())  # a second row in a pool of one

    with pytest.raises(QuantityBelowAssigned) as caught:
        reconcile(fix=True)

    assert caught.value.details["must_unassign"] == 1
    assert assigned(pool_a) == 3
    assert not reconciled_events().exists()


def test_an_admin_finds_only_the_drift_in_their_scope(drift, global_admin, subscription_admin):
    elsewhere = LicensePoolFactory(quantity=5)
    LicensePool.objects.filter(pk=elsewhere.pk).update(assigned=1)

    assert len(reconcile(fix=False, user=global_admin)) == 3
    assert {d.pool.subscription_id for d in reconcile(fix=False, user=subscription_admin)} == {
        subscription_admin.role_assignments.get().subscription_id
    }


def test_out_of_scope_no_drift_is_found_and_nothing_is_fixed(pool_a, drift, other_subscription_admin):
    assert reconcile(fix=True, user=other_subscription_admin) == []
    assert assigned(pool_a) == 3


def test_a_member_may_not_reconcile(drift, member):
    with pytest.raises(PermissionDenied):
        reconcile(fix=False, user=member)
