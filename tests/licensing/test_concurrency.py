"""Races on PostgreSQL: many connections at once never over-assign a pool, never deadlock, and every call
either succeeds or fails with a domain error.

Each thread has its own database connection (Django's are per thread), opens it before the start barrier
so that all of them really start at once, and closes it at the end.
"""

import pytest

from core.audit import Actor
from core.choices import AuditAction, Source
from core.models import AuditEvent
from licensing.models import LicenseAssignment, LicensePool
from licensing.services.assignments import user_licenses_change
from licensing.services.bulk import licenses_bulk_assign
from licensing.services.pools import pool_set_quantity
from tests.concurrency import codes, run_at_once, unexpected
from tests.factories import LicensePoolFactory, SubscriptionFactory, UserFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


def assign(pool, user, actor=None):
    return user_licenses_change(
        user=user, subscription=pool.subscription, add=[pool.product], by=Actor(actor, Source.API)
    )


@pytest.fixture
def admin(global_admin):
    return global_admin


def test_twenty_admins_race_for_the_last_license(admin, assert_pool_counters):
    pool = LicensePoolFactory(quantity=5)
    licenses_bulk_assign(
        subscription=pool.subscription, product=pool.product, users=UserFactory.create_batch(4), by=Actor(None, "cli")
    )
    contenders = UserFactory.create_batch(20)

    outcomes = run_at_once([lambda user=user: assign(pool, user, actor=admin) for user in contenders])

    assert unexpected(outcomes) == []
    assert codes(outcomes) == {"ok": 1, "not_enough_licenses": 19}
    assert all(error.details["available"] == 0 for code, error in outcomes if code == "not_enough_licenses")
    pool.refresh_from_db()
    assert (pool.quantity, pool.assigned) == (5, 5)
    assert LicenseAssignment.objects.filter(pool=pool, user__in=contenders).count() == 1
    assert AuditEvent.objects.filter(subject_user__in=contenders).count() == 1
    assert_pool_counters()


def test_opposite_orders_do_not_deadlock(assert_pool_counters):
    subscription = SubscriptionFactory()
    p1 = LicensePoolFactory(subscription=subscription, quantity=10)
    p2 = LicensePoolFactory(subscription=subscription, quantity=10)
    user_a, user_b = UserFactory(), UserFactory()
    iterations = 40

    def churn(user, first, second):
        for _ in range(iterations):
            user_licenses_change(user=user, subscription=subscription, add=[first, second], by=Actor(None, Source.WEB))
            user_licenses_change(
                user=user, subscription=subscription, remove=[second, first], by=Actor(None, Source.WEB)
            )
        return iterations

    outcomes = run_at_once(
        [
            lambda: churn(user_a, p1.product, p2.product),
            lambda: churn(user_b, p2.product, p1.product),
        ]
    )

    assert outcomes == [("ok", iterations), ("ok", iterations)], unexpected(outcomes)
    assert LicenseAssignment.objects.count() == 0
    assert AuditEvent.objects.count() == 2 * 2 * 2 * iterations  # 2 users, 2 products, assigned and unassigned
    assert_pool_counters()


@pytest.mark.parametrize("round_", range(3))
def test_a_quantity_reduction_racing_assignments_never_over_assigns(round_, admin, assert_pool_counters):
    pool = LicensePoolFactory(quantity=10)
    assignees = UserFactory.create_batch(8)
    calls = [lambda user=user: assign(pool, user, actor=admin) for user in assignees]
    calls += [
        lambda quantity=quantity: pool_set_quantity(pool=pool, quantity=quantity, by=Actor(admin, Source.WEB))
        for quantity in (3, 5, 7)
    ]

    outcomes = run_at_once(calls)

    assert unexpected(outcomes) == []
    assert set(codes(outcomes)) <= {"ok", "not_enough_licenses", "quantity_below_assigned"}
    pool.refresh_from_db()
    assert pool.assigned <= pool.quantity
    assigned_ok = sum(1 for code, _ in outcomes[: len(assignees)] if code == "ok")
    assert pool.assigned == assigned_ok
    quantity_changes = AuditEvent.objects.filter(action=AuditAction.QUANTITY_CHANGED, product=pool.product)
    assert quantity_changes.count() == sum(1 for code, _ in outcomes[len(assignees) :] if code == "ok")
    assert_pool_counters()


def test_a_bulk_assign_racing_single_assigns(admin, assert_pool_counters):
    pool = LicensePoolFactory(quantity=30)
    bulk_users = UserFactory.create_batch(20)
    single_users = bulk_users[:5] + UserFactory.create_batch(10)  # five users are in both

    calls = [
        lambda: licenses_bulk_assign(
            subscription=pool.subscription, product=pool.product, users=bulk_users, by=Actor(admin, Source.CLI)
        )
    ]
    calls += [lambda user=user: assign(pool, user, actor=admin) for user in single_users]

    outcomes = run_at_once(calls)

    assert unexpected(outcomes) == []
    assert set(codes(outcomes)) <= {"ok", "not_enough_licenses"}
    bulk_code, bulk_result = outcomes[0]
    singles = outcomes[1:]
    singles_added = sum(1 for code, result in singles if code == "ok" and result.changed)
    bulk_added = bulk_result.changed if bulk_code == "ok" else 0
    pool.refresh_from_db()
    assert pool.assigned == singles_added + bulk_added <= 30
    if bulk_code == "ok":
        assert LicenseAssignment.objects.filter(pool=pool, user__in=bulk_users).count() == 20
        already = {pk for pk, outcome in bulk_result.outcomes.items() if outcome == "already_assigned"}
        assert already <= {user.pk for user in single_users[:5]}
    else:
        assert bulk_result.details["requested"] > bulk_result.details["available"]
    assert AuditEvent.objects.filter(action=AuditAction.LICENSE_ASSIGNED, product=pool.product).count() == (
        pool.assigned
    )
    assert_pool_counters()


def test_unassigns_racing_assigns_on_a_full_pool(admin, assert_pool_counters):
    """Freed licenses go to racers, but never more than were free when each racer's lock was granted."""
    pool = LicensePoolFactory(quantity=6)
    holders = UserFactory.create_batch(6)
    licenses_bulk_assign(subscription=pool.subscription, product=pool.product, users=holders, by=Actor(None, "cli"))
    racers = UserFactory.create_batch(14)

    def unassign(user):
        return user_licenses_change(
            user=user, subscription=pool.subscription, remove=[pool.product], by=Actor(admin, Source.WEB)
        )

    outcomes = run_at_once(
        [lambda user=user: unassign(user) for user in holders]
        + [lambda user=user: assign(pool, user) for user in racers]
    )

    assert unexpected(outcomes) == []
    assert all(code == "ok" for code, _ in outcomes[: len(holders)])
    assert set(codes(outcomes[len(holders) :])) <= {"ok", "not_enough_licenses"}
    won = sum(1 for code, _ in outcomes[len(holders) :] if code == "ok")
    assert won <= len(holders)
    assert LicensePool.objects.get(pk=pool.pk).assigned == won
    assert_pool_counters()
