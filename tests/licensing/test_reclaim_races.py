"""Races on PostgreSQL over leavers' licenses (README, "Leavers' licenses"): two reclaim jobs on two servers over
the same leavers reclaim each license once, and a reclaim beside re-enabled accounts, group changes and direct
assignments keeps every invariant of licensing.integrity."""

import datetime
import random
from collections import Counter
from functools import partial

import pytest
from django.utils import timezone

from accounts.models import User
from accounts.services.groups import group_members_change
from accounts.services.users import user_update
from core.audit import Actor
from core.choices import AuditAction, Source
from core.models import AuditEvent
from licensing.integrity import integrity_problems
from licensing.models import LicenseAssignment, PendingLicense
from licensing.services.assignments import user_licenses_change
from licensing.services.bulk import licenses_bulk_assign
from licensing.services.group_licenses import group_licenses_change
from licensing.services.reclaim import licenses_reclaim
from tests.concurrency import codes, run_at_once, unexpected
from tests.factories import GroupFactory, LicensePoolFactory, SubscriptionFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

OPERATOR = Actor(None, Source.SYSTEM, label="race")
LONG_AGO = datetime.timedelta(days=90)


def leavers_of_a_licensed_group(count: int):
    """`count` leavers holding a direct license and one from a group, some of them waiting for a scarce one, and
    members who stay and wait behind them; all disabled long ago."""
    subscription = SubscriptionFactory()
    direct = LicensePoolFactory(subscription=subscription, quantity=count)
    grouped = LicensePoolFactory(subscription=subscription, quantity=count)
    scarce = LicensePoolFactory(subscription=subscription, quantity=count // 2)
    leavers = UserFactory.create_batch(count)
    stayers = UserFactory.create_batch(5)
    licenses_bulk_assign(by=OPERATOR, subscription=subscription, product=direct.product, users=leavers)
    group = GroupFactory()
    group_licenses_change(by=OPERATOR, group=group, subscription=subscription, add=[grouped.product, scarce.product])
    group_members_change(by=OPERATOR, group=group, add=leavers + stayers)
    for leaver in leavers:
        user_update(by=OPERATOR, user=leaver, is_active=False)
    User.objects.filter(pk__in=[leaver.pk for leaver in leavers]).update(disabled_at=timezone.now() - LONG_AGO)
    return subscription, group, leavers, stayers


def test_two_servers_reclaim_each_license_once(monkeypatch):
    monkeypatch.setattr("licensing.services.reclaim.BATCH_SIZE", 7)
    _, _, leavers, stayers = leavers_of_a_licensed_group(40)
    ids = [leaver.pk for leaver in leavers]
    licenses = set(LicenseAssignment.objects.filter(user_id__in=ids).values_list("pool_id", "user_id"))
    places = PendingLicense.objects.filter(user_id__in=ids).count()
    assert len(licenses) == 40 * 2 + 20 and places == 20

    outcomes = run_at_once([partial(licenses_reclaim, by=OPERATOR) for _ in range(2)])

    assert unexpected(outcomes) == [] and codes(outcomes) == {"ok": 2}
    results = [result for _, result in outcomes]
    assert sum(result.users for result in results) == 40
    reclaimed = Counter(
        AuditEvent.objects.filter(action=AuditAction.LICENSE_RECLAIMED).values_list("product_id", "subject_user_id")
    )
    assert set(reclaimed.values()) == {1} and len(reclaimed) == sum(result.licenses for result in results)
    # A leaver still due may have been served from a line the other run freed (then reclaimed in turn): never more.
    assert len(licenses) <= len(reclaimed) <= len(licenses) + places
    assert sum(result.places for result in results) <= places
    assert not LicenseAssignment.objects.filter(user_id__in=ids).exists()
    assert not PendingLicense.objects.filter(user_id__in=ids).exists()
    assert not User.objects.filter(pk__in=ids, licenses_reclaimed_at=None).exists()
    assert all(LicenseAssignment.objects.filter(user=stayer).count() == 2 for stayer in stayers)  # the line served
    assert integrity_problems() == []


def test_a_reclaim_beside_enabling_group_changes_and_assignments_keeps_every_invariant(monkeypatch):
    monkeypatch.setattr("licensing.services.reclaim.BATCH_SIZE", 3)
    subscription, group, leavers, stayers = leavers_of_a_licensed_group(12)
    pools = list(subscription.pools.order_by("pk"))
    chooser = random.Random(13)

    def operation():
        kind = chooser.randrange(6)
        user = chooser.choice(leavers + stayers)
        if kind == 0:
            return partial(licenses_reclaim, by=OPERATOR)
        if kind == 1:
            return partial(user_update, by=OPERATOR, user=user, is_active=chooser.choice([True, False]))
        if kind == 2:
            direction = chooser.choice(["add", "remove"])
            return partial(group_members_change, by=OPERATOR, group=group, **{direction: chooser.sample(leavers, 3)})
        if kind == 3:
            direction = chooser.choice(["add", "remove"])
            return partial(
                group_licenses_change,
                by=OPERATOR,
                group=group,
                subscription=subscription,
                **{direction: [chooser.choice(pools).product]},
            )
        product = chooser.choice(pools).product
        return partial(user_licenses_change, by=OPERATOR, user=user, subscription=subscription, add=[product])

    for _ in range(8):
        User.objects.filter(is_active=False).update(disabled_at=timezone.now() - LONG_AGO)
        outcomes = run_at_once([operation() for _ in range(8)])
        assert unexpected(outcomes) == []
        assert set(codes(outcomes)) <= {"ok", "not_enough_licenses", "licenses_reclaimed"}
        assert integrity_problems() == []
