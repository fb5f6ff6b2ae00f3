"""Deleting a user (accounts.services.users.user_delete): under user_update's rules, never oneself nor the last
active Global Administrator, with an optional expected version; the user's licenses and places in lines are freed
at once, in the same transaction, and the lines served; the audit log keeps naming them."""

import pytest
from django.utils import timezone

from accounts.choices import Role
from accounts.models import ApiToken, GroupMembership, RoleAssignment, User
from accounts.selectors import user_version
from accounts.services.groups import group_members_change
from accounts.services.tokens import api_token_create
from accounts.services.users import user_delete, user_update
from core.audit import Actor
from core.choices import AuditAction, Source
from core.errors import NotFound, PermissionDenied, PreconditionFailed
from core.models import AuditEvent
from licensing.integrity import integrity_problems
from licensing.models import LicenseAssignment, LicensePool, PendingLicense
from licensing.services.assignments import user_licenses_change
from licensing.services.group_licenses import group_licenses_change
from licensing.services.reclaim import licenses_reclaim
from tests.factories import GroupFactory, LicensePoolFactory, RoleAssignmentFactory, UserFactory

pytestmark = pytest.mark.django_db

OPERATOR = Actor(None, Source.CLI, label="operator")


@pytest.fixture(autouse=True)
def _counters_stay_right(assert_pool_counters):
    yield
    assert_pool_counters()


def counts(pool: LicensePool) -> tuple[int, int]:
    return LicensePool.objects.values_list("assigned", "pending").get(pk=pool.pk)


def test_deleting_frees_every_license_at_once_and_serves_the_lines(subscription, global_admin):
    direct = LicensePoolFactory(subscription=subscription, quantity=1, product__sku_part_number="DIRECT")
    shared = LicensePoolFactory(subscription=subscription, quantity=1, product__sku_part_number="SHARED")
    scarce = LicensePoolFactory(subscription=subscription, quantity=0, product__sku_part_number="SCARCE")
    leaver, next_in_line = UserFactory(), UserFactory()
    user_licenses_change(by=OPERATOR, user=leaver, subscription=subscription, add=[direct.product])
    group = GroupFactory(name="Sales")
    group_licenses_change(by=OPERATOR, group=group, subscription=subscription, add=[shared.product, scarce.product])
    group_members_change(by=OPERATOR, group=group, add=[leaver, next_in_line])
    RoleAssignmentFactory(user=leaver, role=Role.USER_ADMIN)
    label = leaver.email

    user_delete(by=Actor(global_admin, Source.API), user=leaver)

    assert not User.objects.filter(pk=leaver.pk).exists()
    assert not RoleAssignment.objects.filter(user_id=leaver.pk).exists()
    assert counts(direct) == (0, 0) and counts(shared) == (1, 0) and counts(scarce) == (0, 1)
    assert LicenseAssignment.objects.get(pool=shared).user == next_in_line  # the freed license, at once
    events = AuditEvent.objects.filter(subject_user_label=label).order_by("pk")
    assert all(event.subject_user_id is None for event in events)  # the link emptied, the name kept
    freed = [(e.action, e.product_label, e.details) for e in events if e.product_label]
    assert freed[-3:] == [
        (AuditAction.LICENSE_UNASSIGNED, "DIRECT", {"reason": "user_deleted"}),
        (AuditAction.LICENSE_UNASSIGNED, "SHARED", {"reason": "user_deleted"}),
        (AuditAction.LICENSE_PENDING_CANCELLED, "SCARCE", {"reason": "user_deleted"}),
    ]
    removed = events.get(action=AuditAction.GROUP_MEMBER_REMOVED)
    assert removed.details == {"group_id": group.pk, "group": "Sales"}
    deleted = events.get(action=AuditAction.USER_DELETED)
    assert (deleted.actor_id, deleted.source) == (global_admin.pk, Source.API)
    assert deleted.details["email"] == label and deleted.details["is_active"] is True
    assert deleted.details["licenses"] == [
        {"subscription": subscription.name, "sku": "DIRECT", "state": "licensed"},
        {"subscription": subscription.name, "sku": "SHARED", "state": "licensed"},
        {"subscription": subscription.name, "sku": "SCARCE", "state": "waiting"},
    ]
    assert integrity_problems() == []


def test_deleting_a_reclaimed_leaver(subscription, pool):
    leaver = UserFactory()
    group = GroupFactory()
    group_licenses_change(by=OPERATOR, group=group, subscription=subscription, add=[pool.product])
    group_members_change(by=OPERATOR, group=group, add=[leaver])
    user_update(by=OPERATOR, user=leaver, is_active=False)
    licenses_reclaim(by=OPERATOR, now=timezone.now() + timezone.timedelta(days=31))
    user_delete(by=OPERATOR, user=leaver)
    assert not GroupMembership.objects.filter(group=group).exists()
    assert AuditEvent.objects.get(action=AuditAction.USER_DELETED).details["licenses"] == []


def test_tokens_go_with_the_user(global_admin):
    leaver = UserFactory()
    api_token_create(by=OPERATOR, user=leaver, name="script")
    user_delete(by=OPERATOR, user=leaver)
    assert not ApiToken.objects.filter(user_id=leaver.pk).exists()


def test_nobody_deletes_themselves(global_admin, user_admin):
    RoleAssignmentFactory(role=Role.GLOBAL_ADMIN)  # not the last one: the refusal is about oneself
    for admin in (global_admin, user_admin):
        with pytest.raises(PermissionDenied, match="your own account"):
            user_delete(by=Actor(admin, Source.WEB), user=admin)


def test_the_last_active_global_admin_stays(global_admin):
    with pytest.raises(PermissionDenied, match="last active Global Administrator"):
        user_delete(by=OPERATOR, user=global_admin)
    other = RoleAssignmentFactory(role=Role.GLOBAL_ADMIN).user
    user_delete(by=OPERATOR, user=global_admin)
    assert User.objects.filter(pk=other.pk).exists()


def test_a_user_admin_deletes_users_but_not_admins(user_admin, global_admin, subscription_admin):
    by = Actor(user_admin, Source.API)
    with pytest.raises(PermissionDenied):
        user_delete(by=by, user=global_admin)
    with pytest.raises(PermissionDenied):
        user_delete(by=by, user=subscription_admin)
    user_delete(by=by, user=UserFactory())
    with pytest.raises(PermissionDenied):
        user_delete(by=Actor(subscription_admin, Source.API), user=UserFactory())


def test_an_expected_version_is_checked_under_the_lock(global_admin):
    user = UserFactory()
    read = user_version(user)
    user_update(by=OPERATOR, user=user, department="Legal")
    with pytest.raises(PreconditionFailed) as stale:
        user_delete(by=OPERATOR, user=user, expected_version=read)
    current = user_version(User.objects.get(pk=user.pk))
    assert stale.value.details["etag"] == current
    user_delete(by=OPERATOR, user=user, expected_version=current)
    with pytest.raises(NotFound):
        user_delete(by=OPERATOR, user=user)


def test_a_refused_delete_changes_nothing(subscription, pool, user_admin):
    admin = RoleAssignmentFactory(role=Role.SUBSCRIPTION_ADMIN, subscription=subscription).user
    user_licenses_change(by=OPERATOR, user=admin, subscription=subscription, add=[pool.product])
    with pytest.raises(PermissionDenied):
        user_delete(by=Actor(user_admin, Source.API), user=admin)
    assert counts(pool) == (1, 0) and not PendingLicense.objects.exists()
    assert not AuditEvent.objects.filter(action__in=[AuditAction.USER_DELETED, AuditAction.LICENSE_UNASSIGNED]).exists()
