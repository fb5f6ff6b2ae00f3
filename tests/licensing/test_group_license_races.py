"""Races on PostgreSQL over group licenses (README, "Group licenses"; docs/architecture.md, "The lock order"):
membership changes, rule-driven moves, direct assignments, quantity changes, subscription status changes and a
group gaining and losing a product, all at once. Whatever the interleaving: no deadlock, no pool over-assigned,
every counter equal to its rows, every license with a source, every group source served or waiting, no assignable
pool with a free license while members wait, and the audit log replays to the rows (licensing.integrity)."""

import random
from functools import partial

import pytest

from accounts.choices import GroupKind
from accounts.services.groups import group_create, group_members_change
from accounts.services.users import user_update
from core.audit import Actor
from core.choices import Source
from licensing.choices import SubscriptionStatus
from licensing.integrity import integrity_problems
from licensing.models import LicenseAssignment, LicensePool
from licensing.selectors.groups import pool_line
from licensing.services.assignments import user_licenses_change
from licensing.services.group_licenses import group_licenses_change
from licensing.services.pools import pool_set_quantity
from licensing.services.subscriptions import subscription_set_status
from tests.concurrency import codes, run_at_once, unexpected
from tests.factories import GroupFactory, LicensePoolFactory, SubscriptionFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

OPERATOR = Actor(None, Source.API, label="race")
REFUSALS = {"not_enough_licenses", "subscription_not_active", "license_inherited", "quantity_below_assigned"}


def test_everything_at_once_keeps_every_invariant():
    subscription = SubscriptionFactory()
    small = LicensePoolFactory(subscription=subscription, quantity=3)
    other = LicensePoolFactory(subscription=subscription, quantity=6)
    users = UserFactory.create_batch(14, department="Finance")
    assigned_group = GroupFactory(name="Team")
    dynamic_group = group_create(by=OPERATOR, name="Sales", kind=GroupKind.DYNAMIC, rule={"department": ["Sales"]})
    group_licenses_change(by=OPERATOR, group=dynamic_group, subscription=subscription, add=[small.product])
    group_licenses_change(by=OPERATOR, group=assigned_group, subscription=subscription, add=[other.product])
    chooser = random.Random(12)

    def operation():
        user = chooser.choice(users)
        kind = chooser.randrange(8)
        if kind == 0:
            return partial(group_members_change, by=OPERATOR, group=assigned_group, add=chooser.sample(users, 3))
        if kind == 1:
            return partial(group_members_change, by=OPERATOR, group=assigned_group, remove=chooser.sample(users, 3))
        if kind == 2:
            return partial(user_update, by=OPERATOR, user=user, department=chooser.choice(["Sales", "Finance"]))
        if kind == 3:
            pool = chooser.choice([small, other])
            direction = chooser.choice(["add", "remove"])
            return partial(
                user_licenses_change, by=OPERATOR, user=user, subscription=subscription, **{direction: [pool.product]}
            )
        if kind == 4:
            return partial(
                pool_set_quantity, by=OPERATOR, pool=chooser.choice([small, other]), quantity=chooser.randint(2, 7)
            )
        if kind == 5:
            status = chooser.choice([SubscriptionStatus.ACTIVE, SubscriptionStatus.SUSPENDED])
            return partial(subscription_set_status, by=OPERATOR, subscription=subscription, status=status)
        direction = chooser.choice(["add", "remove"])
        group = chooser.choice([assigned_group, dynamic_group])
        return partial(
            group_licenses_change, by=OPERATOR, group=group, subscription=subscription, **{direction: [small.product]}
        )

    for _ in range(12):
        outcomes = run_at_once([operation() for _ in range(10)])
        assert unexpected(outcomes) == []
        assert set(codes(outcomes)) <= {"ok"} | REFUSALS
        assert integrity_problems() == []
    subscription_set_status(by=OPERATOR, subscription=subscription, status=SubscriptionStatus.ACTIVE)
    assert integrity_problems() == []


def test_licenses_freed_at_once_go_to_the_line_in_its_order():
    subscription = SubscriptionFactory()
    pool = LicensePoolFactory(subscription=subscription, quantity=5)
    holders = UserFactory.create_batch(5)
    for holder in holders:
        user_licenses_change(by=OPERATOR, user=holder, subscription=subscription, add=[pool.product])
    group = GroupFactory(name="Waiting room")
    group_licenses_change(by=OPERATOR, group=group, subscription=subscription, add=[pool.product])
    waiters = UserFactory.create_batch(8)
    for waiter in reversed(waiters):  # one by one: the line is in this order, not in order of id
        group_members_change(by=OPERATOR, group=group, add=[waiter])
    line = [entry.user_id for entry in pool_line(pool)]
    assert line == [waiter.pk for waiter in reversed(waiters)]

    outcomes = run_at_once(
        [
            partial(user_licenses_change, by=OPERATOR, user=holder, subscription=subscription, remove=[pool.product])
            for holder in holders[:3]
        ]
        + [partial(pool_set_quantity, by=OPERATOR, pool=pool, quantity=7)]
    )

    assert set(codes(outcomes)) == {"ok"}
    served = set(LicenseAssignment.objects.filter(pool=pool, user_id__in=line).values_list("user_id", flat=True))
    assert served == set(line[:5])
    assert [entry.user_id for entry in pool_line(pool)] == line[5:]
    assert LicensePool.objects.get(pk=pool.pk).assigned == 7
    assert integrity_problems() == []


def test_joining_groups_at_once_never_over_assigns_and_the_rest_wait():
    subscription = SubscriptionFactory()
    pool = LicensePoolFactory(subscription=subscription, quantity=4)
    groups = GroupFactory.create_batch(3)
    for group in groups:
        group_licenses_change(by=OPERATOR, group=group, subscription=subscription, add=[pool.product])
    users = UserFactory.create_batch(12)

    outcomes = run_at_once(
        [
            partial(group_members_change, by=OPERATOR, group=groups[index % 3], add=[user])
            for index, user in enumerate(users)
        ]
    )

    assert set(codes(outcomes)) == {"ok"}  # joining never fails for lack of licenses
    pool.refresh_from_db()
    assert (pool.assigned, pool.pending) == (4, 8)
    assert integrity_problems() == []
