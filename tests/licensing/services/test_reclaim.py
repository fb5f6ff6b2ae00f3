"""Leavers' licenses (README, "Leavers' licenses"): a disabled account keeps its licenses for the grace period,
then licenses_reclaim takes every license and place in a line, audited, and serves the lines; from then on no
group gives it anything and a direct assignment is refused until it is enabled again, which gives its group
licenses back at once. The autouse check of conftest.py verifies counters and sources after every test."""

import datetime

import pytest
from django.utils import timezone

from accounts.models import User
from accounts.services.groups import group_members_change
from accounts.services.imports import users_import
from accounts.services.users import user_update
from core.audit import Actor
from core.choices import AuditAction, Source
from core.errors import LicensesReclaimed, PermissionDenied
from core.models import AuditEvent
from licensing.integrity import integrity_problems, source_problems
from licensing.models import LicenseAssignment, PendingLicense
from licensing.selectors.groups import pool_line
from licensing.services.group_licenses import group_licenses_change
from licensing.services.reclaim import licenses_reclaim
from tests.factories import GroupFactory, RoleAssignmentFactory, UserFactory
from tests.licensing.services.conftest import bulk_assign, change, held

pytestmark = pytest.mark.django_db

OPERATOR = Actor(None, Source.CLI, label="operator")
DAY = datetime.timedelta(days=1)


def disable(user, *, days_ago: float = 0) -> User:
    """Disable `user` through the service, as disabled `days_ago` days ago."""
    user_update(by=OPERATOR, user=user, is_active=False)
    User.objects.filter(pk=user.pk).update(disabled_at=timezone.now() - days_ago * DAY)
    return User.objects.get(pk=user.pk)


def enable(user) -> User:
    return user_update(by=OPERATOR, user=user, is_active=True)


def licensed_group(*pools, members=()):
    group = GroupFactory()
    group_licenses_change(by=OPERATOR, group=group, subscription=pools[0].subscription, add=[p.product for p in pools])
    group_members_change(by=OPERATOR, group=group, add=list(members))
    return group


def waiting(pool) -> list[int]:
    return [entry.user_id for entry in pool_line(pool)]


def events(action) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("pk"))


@pytest.mark.parametrize(("days_ago", "reclaimed"), [(29.9, False), (30, True), (45, True)])
def test_licenses_are_reclaimed_once_the_grace_period_has_passed(subscription, pool_a, user, days_ago, reclaimed):
    change(user, subscription, add=[pool_a])
    disable(user, days_ago=days_ago)
    result = licenses_reclaim(by=OPERATOR)
    assert held(user) == (set() if reclaimed else {"SKU_A"})
    assert (result.users, result.licenses) == ((1, 1) if reclaimed else (0, 0))
    assert (User.objects.get(pk=user.pk).licenses_reclaimed_at is not None) is reclaimed


def test_the_grace_period_is_a_setting(subscription, pool_a, user, settings):
    settings.LICENSE_RECLAIM_GRACE_DAYS = 0
    change(user, subscription, add=[pool_a])
    disable(user)
    licenses_reclaim(by=OPERATOR)
    assert held(user) == set()


def test_every_license_and_place_goes_audited_and_the_lines_are_served(subscription, pool_a, pool_b, pool_c, user):
    """The leaver holds A directly, B from a group and waits for C; the freed B goes to the member waiting for it."""
    change(user, subscription, add=[pool_a])
    change(UserFactory(), subscription, add=[pool_c])
    change(UserFactory(), subscription, add=[pool_c])  # C is exhausted: the group's members wait for it
    next_in_line = UserFactory()
    licensed_group(pool_b, pool_c, members=[user, next_in_line])
    assert (held(user), waiting(pool_b), waiting(pool_c)) == (
        {"SKU_A", "SKU_B"},
        [next_in_line.pk],
        [user.pk, next_in_line.pk],
    )
    disabled = disable(user, days_ago=31)

    result = licenses_reclaim(by=OPERATOR)

    assert (result.users, result.licenses, result.places) == (1, 2, 1)
    assert held(user) == set() and not PendingLicense.objects.filter(user=user).exists()
    assert held(next_in_line) == {"SKU_B"} and waiting(pool_c) == [next_in_line.pk]
    reclaimed = events(AuditAction.LICENSE_RECLAIMED)
    assert sorted(event.product_label for event in reclaimed) == ["SKU_A", "SKU_B"]
    assert {event.subject_user_label for event in reclaimed} == {user.email}
    assert reclaimed[0].details == {"disabled_at": disabled.disabled_at.isoformat(), "grace_days": 30}
    assert reclaimed[0].actor_label == "operator"
    assert [(e.product_label, e.subject_user_id) for e in events(AuditAction.LICENSE_PENDING_CANCELLED)] == [
        ("SKU_C", user.pk)
    ]
    served = events(AuditAction.LICENSE_ASSIGNED)[-1]
    assert (served.subject_user_id, served.product_label, served.details) == (
        next_in_line.pk,
        "SKU_B",
        {"from_line": True},
    )
    assert integrity_problems() == []


def test_a_second_run_does_nothing(subscription, pool_a, user):
    change(user, subscription, add=[pool_a])
    disable(user, days_ago=40)
    licenses_reclaim(by=OPERATOR)
    assert (licenses_reclaim(by=OPERATOR).users, len(events(AuditAction.LICENSE_RECLAIMED))) == (0, 1)


def test_many_leavers_are_reclaimed_in_batches(subscription, pool_a, monkeypatch):
    monkeypatch.setattr("licensing.services.reclaim.BATCH_SIZE", 2)
    pool_a.quantity = 5
    pool_a.save()
    leavers = UserFactory.create_batch(5)
    bulk_assign(pool_a, leavers)
    for leaver in leavers:
        disable(leaver, days_ago=60)
    result = licenses_reclaim(by=OPERATOR)
    assert (result.users, result.licenses) == (5, 5)
    assert not LicenseAssignment.objects.filter(pool=pool_a).exists()
    assert User.objects.filter(licenses_reclaimed_at=None, pk__in=[u.pk for u in leavers]).count() == 0


def test_enabling_within_the_grace_period_cancels_the_reclaim(subscription, pool_a, user):
    change(user, subscription, add=[pool_a])
    disable(user, days_ago=10)
    enable(user)
    assert licenses_reclaim(by=OPERATOR, now=timezone.now() + 100 * DAY).users == 0
    assert held(user) == {"SKU_A"}


def test_a_reclaimed_account_gets_nothing_from_groups(subscription, pool_a, pool_b, user):
    group = licensed_group(pool_a)
    disable(user, days_ago=31)
    licenses_reclaim(by=OPERATOR)
    group_members_change(by=OPERATOR, group=group, add=[user])
    group_licenses_change(by=OPERATOR, group=group, subscription=subscription, add=[pool_b.product])
    assert held(user) == set() and waiting(pool_a) == waiting(pool_b) == []
    assert source_problems() == []


def test_a_reclaimed_account_is_refused_a_direct_license(subscription, pool_a, user):
    disable(user, days_ago=31)
    licenses_reclaim(by=OPERATOR)
    with pytest.raises(LicensesReclaimed) as refused:
        change(user, subscription, add=[pool_a])
    assert refused.value.code == "licenses_reclaimed" and "enable the account first" in refused.value.message
    with pytest.raises(LicensesReclaimed):
        bulk_assign(pool_a, [UserFactory(), user])
    assert held(user) == set()


def test_a_disabled_account_within_its_grace_period_may_still_be_licensed(subscription, pool_a, user):
    disable(user, days_ago=5)
    change(user, subscription, add=[pool_a])
    assert held(user) == {"SKU_A"}


@pytest.mark.parametrize("how", ["edit", "import"])
def test_enabling_a_reclaimed_account_gives_its_group_licenses_back_at_once(subscription, pool_a, pool_b, user, how):
    """A (3 licenses) has one free; B (1) went to the next member meanwhile: the user gets A and waits for B."""
    group = licensed_group(pool_a, pool_b, members=[user])
    disable(user, days_ago=31)
    licenses_reclaim(by=OPERATOR)
    licensed_group(pool_b, members=[UserFactory()])
    if how == "edit":
        enable(user)
    else:
        users_import(by=OPERATOR, rows=[{"email": user.email, "is_active": True}])
    assert held(user) == {"SKU_A"} and waiting(pool_b) == [user.pk]
    assert User.objects.values_list("disabled_at", "licenses_reclaimed_at").get(pk=user.pk) == (None, None)
    admitted = events(AuditAction.LICENSE_ASSIGNED)[-1]
    assert (admitted.subject_user_id, admitted.product_label, admitted.details["group_id"]) == (
        user.pk,
        "SKU_A",
        group.pk,
    )


def test_only_user_managers_run_the_reclaim(subscription_admin):
    with pytest.raises(PermissionDenied):
        licenses_reclaim(by=Actor(subscription_admin, Source.CLI))
    licenses_reclaim(by=Actor(RoleAssignmentFactory(role="user_admin").user, Source.CLI))


def test_integrity_flags_a_reclaimed_account_that_still_holds_or_waits_for_a_group_license(subscription, pool_a, user):
    disable(user, days_ago=31)
    licenses_reclaim(by=OPERATOR)
    licensed_group(pool_a, members=[user])
    LicenseAssignment.objects.create(pool=pool_a, user=user, direct=False)
    pool_a.assigned = 1
    pool_a.save()
    assert source_problems() == [f"pool {pool_a.pk}, user {user.pk}: a license without a source"]
    LicenseAssignment.objects.filter(pool=pool_a, user=user).delete()
    PendingLicense.objects.create(pool=pool_a, user=user, since=timezone.now())
    pool_a.assigned, pool_a.pending = 0, 1
    pool_a.save()
    assert f"pool {pool_a.pk}, user {user.pk}: waits without a group source" in source_problems()
    PendingLicense.objects.filter(pool=pool_a, user=user).delete()
    pool_a.pending = 0
    pool_a.save()


def test_a_freed_license_goes_to_a_member_who_stays_not_to_a_leaver_in_line(subscription, pool_b, monkeypatch):
    monkeypatch.setattr("licensing.services.reclaim.BATCH_SIZE", 1)
    holder, leaver_in_line, stayer = UserFactory.create_batch(3)
    licensed_group(pool_b, members=[holder, leaver_in_line, stayer])  # B has 1 license: the others wait
    assert waiting(pool_b) == [leaver_in_line.pk, stayer.pk]
    disable(holder, days_ago=40)
    disable(leaver_in_line, days_ago=40)
    licenses_reclaim(by=OPERATOR)
    assert held(stayer) == {"SKU_B"} and waiting(pool_b) == []
    assert not AuditEvent.objects.filter(action=AuditAction.LICENSE_ASSIGNED, subject_user=leaver_in_line).exists()
