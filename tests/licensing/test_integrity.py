"""licensing.integrity: a world changed only through the services has no problems; each way of changing the data
behind their back is reported. (The audit log is append-only on PostgreSQL, so a broken log is made by adding an
event rather than deleting one.)"""

import pytest
from django.db.models import F

from core.audit import SYSTEM, audit_record_one
from core.choices import AuditAction
from core.models import AuditEvent
from licensing.integrity import Baseline, audit_replay_problems, counter_problems, integrity_problems
from licensing.models import LicenseAssignment, LicensePool
from licensing.services.assignments import user_licenses_change
from licensing.services.bulk import licenses_bulk_assign
from licensing.services.pools import pool_create, pool_set_quantity
from tests.factories import LicensePoolFactory, ProductFactory, SubscriptionFactory, UserFactory


@pytest.fixture
def world(db):
    """Two pools made, filled, partly emptied and resized through the services; returns (pool, its holders, a
    user without its license)."""
    subscription = SubscriptionFactory()
    pool = pool_create(by=SYSTEM, subscription=subscription, product=ProductFactory(), quantity=5)
    other = pool_create(by=SYSTEM, subscription=subscription, product=ProductFactory(), quantity=3)
    users = UserFactory.create_batch(4)
    licenses_bulk_assign(by=SYSTEM, subscription=subscription, product=pool.product, users=users)
    licenses_bulk_assign(by=SYSTEM, subscription=subscription, product=other.product, users=users[:2])
    user_licenses_change(by=SYSTEM, user=users[3], subscription=subscription, remove=[pool.product])
    pool_set_quantity(by=SYSTEM, pool=pool, quantity=8)
    pool_set_quantity(by=SYSTEM, pool=other, quantity=4)
    pool.refresh_from_db()
    return pool, users[:3], users[3]


def test_a_world_changed_through_the_services_has_no_problems(world):
    pool, _, _ = world

    assert integrity_problems() == []
    assert integrity_problems([pool.pk]) == []


def test_a_hand_broken_counter_is_reported(world):
    pool, holders, _ = world
    LicensePool.objects.filter(pk=pool.pk).update(assigned=F("assigned") - 1)

    assert counter_problems() == [f"pool {pool.pk}: counter 2, 3 assignment rows"]
    assert audit_replay_problems() == []


def test_an_event_of_an_assignment_that_did_not_happen_is_reported(world):
    pool, _, outsider = world
    audit_record_one(
        AuditAction.LICENSE_ASSIGNED,
        actor=SYSTEM,
        subject_user=outsider,
        subscription=pool.subscription,
        product=pool.product,
    )

    assert audit_replay_problems() == [
        "the audit log replays to 6 assignments, there are 5 rows (1 only in the log, 0 only in the table)"
    ]
    assert counter_problems() == []


def test_an_event_repeated_is_reported(world):
    pool, holders, _ = world
    audit_record_one(
        AuditAction.LICENSE_ASSIGNED,
        actor=SYSTEM,
        subject_user=holders[0],
        subscription=pool.subscription,
        product=pool.product,
    )

    assert audit_replay_problems() == [f"pool {pool.pk}, user {holders[0].pk}: license_assigned twice in a row"]


def test_a_forged_assignment_row_is_reported(world):
    pool, _, outsider = world
    LicenseAssignment.objects.create(pool=pool, user=outsider)
    LicensePool.objects.filter(pk=pool.pk).update(
        assigned=F("assigned") + 1
    )  # the counter agrees: only the log can tell

    assert counter_problems() == []
    assert audit_replay_problems() == [
        "the audit log replays to 5 assignments, there are 6 rows (0 only in the log, 1 only in the table)"
    ]


def test_a_quantity_changed_behind_the_services_back_is_reported(world):
    pool, _, _ = world
    LicensePool.objects.filter(pk=pool.pk).update(quantity=9)

    assert audit_replay_problems() == [f"pool {pool.pk}: the quantity changes replay to 8, it holds 9"]

    pool_set_quantity(by=SYSTEM, pool=pool, quantity=10)
    assert audit_replay_problems() == [f"pool {pool.pk}: a quantity change from 9 follows one to 8"]


def test_a_baseline_starts_the_quantity_chain_of_pools_made_without_an_event(db):
    pool = LicensePoolFactory(quantity=5)  # no pool_created event: the log alone cannot say where it started
    floor = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    LicensePool.objects.filter(pk=pool.pk).update(quantity=6)
    pool_set_quantity(by=SYSTEM, pool=pool, quantity=7)

    assert audit_replay_problems() == []
    since = Baseline(audit_floor=floor, quantities={pool.pk: 5})
    assert audit_replay_problems([pool.pk], since=since) == [
        f"pool {pool.pk}: a quantity change from 6 follows one to 5"
    ]


def test_only_the_pools_asked_for_are_checked(world):
    pool, _, _ = world
    other = LicensePool.objects.exclude(pk=pool.pk).get()
    LicensePool.objects.filter(pk=other.pk).update(assigned=F("assigned") - 1)
    LicenseAssignment.objects.filter(pool=other).first().delete()  # the counter agrees again; the log does not

    assert integrity_problems([pool.pk]) == []
    assert integrity_problems([other.pk]) == [
        "the audit log replays to 2 assignments, there are 1 rows (1 only in the log, 0 only in the table)"
    ]
