"""licensing.services.assignments: user_licenses_change and user_licenses_set, their audit events, and who may call
them (design.md's "Service layer")."""

import pytest
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext

from accounts.models import GroupMembership
from core.audit import Actor
from core.choices import AuditAction, Source
from core.errors import (
    NotEnoughLicenses,
    NotFound,
    PermissionDenied,
    ProductNotInSubscription,
    SubscriptionNotActive,
    ValidationFailed,
)
from core.models import AuditEvent
from core.writes import Write
from licensing.choices import SubscriptionStatus
from licensing.models import GroupLicense, LicenseAssignment, Subscription
from licensing.services.assignments import user_licenses_set
from tests.factories import GroupFactory, LicensePoolFactory, UserFactory
from tests.licensing.services.conftest import assigned, bulk_assign, bulk_unassign, change, events, held

pytestmark = pytest.mark.django_db


# --- user_licenses_change ------------------------------------------------------------------------------------


def test_adds_and_removes_in_one_call(subscription, pool_a, pool_b, user, assert_pool_counters):
    change(user, subscription, add=[pool_a])

    result = change(user, subscription, add=[pool_b], remove=[pool_a])

    assert result.added == [pool_b.product]
    assert result.removed == [pool_a.product]
    assert result.changed
    assert held(user) == {"SKU_B"}
    assert (assigned(pool_a), assigned(pool_b)) == (0, 1)
    assert_pool_counters()
    assert [(event.action, event.product_label) for event in events()[1:]] == [
        (AuditAction.LICENSE_ASSIGNED, "SKU_B"),
        (AuditAction.LICENSE_UNASSIGNED, "SKU_A"),
    ]


def test_one_product_short_of_licenses_changes_nothing(
    subscription, pool_a, pool_b, pool_c, user, assert_pool_counters
):
    change(UserFactory(), subscription, add=[pool_b])  # pool_b (quantity 1) is now exhausted
    change(user, subscription, add=[pool_c])
    events_before = AuditEvent.objects.count()

    with pytest.raises(NotEnoughLicenses) as caught:
        change(user, subscription, add=[pool_a, pool_b], remove=[pool_c])

    assert caught.value.code == "not_enough_licenses"
    assert caught.value.details["sku"] == "SKU_B"
    assert caught.value.details["requested"] == 1
    assert caught.value.details["available"] == 0
    assert caught.value.details["shortfalls"] == [{"sku": "SKU_B", "requested": 1, "available": 0}]
    assert held(user) == {"SKU_C"}
    assert (assigned(pool_a), assigned(pool_b), assigned(pool_c)) == (0, 1, 1)
    assert AuditEvent.objects.count() == events_before
    assert_pool_counters()


def test_repeating_a_change_changes_nothing_and_is_not_audited(subscription, pool_a, user, assert_pool_counters):
    change(user, subscription, add=[pool_a])
    events_before = AuditEvent.objects.count()

    again = change(user, subscription, add=[pool_a])

    assert not again.changed
    assert assigned(pool_a) == 1
    assert AuditEvent.objects.count() == events_before
    assert_pool_counters()


def test_removing_a_license_not_held_changes_nothing(subscription, pool_a, user, assert_pool_counters):
    result = change(user, subscription, remove=[pool_a])

    assert not result.changed
    assert AuditEvent.objects.count() == 0
    assert_pool_counters()


def test_an_empty_change_locks_and_writes_nothing(subscription, user):
    with CaptureQueriesContext(connection) as queries:
        result = change(user, subscription)

    assert not result.changed
    assert [query["sql"] for query in queries if "SAVEPOINT" not in query["sql"]] == []


@pytest.mark.parametrize("status", [SubscriptionStatus.ACTIVE, SubscriptionStatus.WARNING])
def test_assigning_is_allowed_while_active_or_in_grace_period(status, pool_a, user, assert_pool_counters):
    subscription = pool_a.subscription
    subscription.status = status
    subscription.save()

    change(user, subscription, add=[pool_a])

    assert held(user) == {"SKU_A"}
    assert_pool_counters()


@pytest.mark.parametrize("status", [SubscriptionStatus.SUSPENDED, SubscriptionStatus.EXPIRED])
def test_assigning_is_refused_when_suspended_or_expired(status, pool_a, pool_b, user, assert_pool_counters):
    subscription = pool_a.subscription
    change(user, subscription, add=[pool_b])
    subscription.status = status
    subscription.save()
    events_before = AuditEvent.objects.count()

    with pytest.raises(SubscriptionNotActive) as caught:
        change(user, subscription, add=[pool_a], remove=[pool_b])

    assert caught.value.code == "subscription_not_active"
    assert caught.value.details["status"] == status
    assert held(user) == {"SKU_B"}
    assert AuditEvent.objects.count() == events_before
    assert_pool_counters()


def test_the_status_is_read_from_the_database_not_from_a_stale_object(subscription, pool_a, user):
    Subscription.objects.filter(pk=subscription.pk).update(status=SubscriptionStatus.SUSPENDED)

    with pytest.raises(SubscriptionNotActive):
        change(user, subscription, add=[pool_a])  # `subscription.status` is still "active" in memory


def test_a_status_changed_after_the_pools_were_read_refuses_the_change(subscription, pool_a, user):
    """The status read with the pools may be older than the pools' locks (the statement waited for them); the
    counters' update reads it again, and a change the subscription no longer allows writes nothing."""

    def suspend_after_the_pools_are_locked(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if sql.startswith('SELECT "licensing_licensepool"') and '"from_group"' in sql:  # locks.with_holding
            Subscription.objects.filter(pk=subscription.pk).update(status=SubscriptionStatus.SUSPENDED)
        return result

    with connection.execute_wrapper(suspend_after_the_pools_are_locked), pytest.raises(SubscriptionNotActive):
        change(user, subscription, add=[pool_a])

    assert held(user) == set()
    assert assigned(pool_a) == 0
    assert not AuditEvent.objects.exists()


def test_a_group_source_given_while_the_pools_were_being_locked_keeps_the_license(subscription, pool_a, user):
    """A group's license reaches its members under the pool's lock alone: a change that waited for that lock reads
    the user's licenses and group sources after it, so removing the direct license leaves the one from the group
    (locks.pools_lock_all)."""
    change(user, subscription, add=[pool_a])
    group = GroupFactory()
    GroupMembership.objects.create(group=group, user=user)
    given = []

    def give_once_the_first_pool_statement_ran(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if not given and sql.startswith('SELECT "licensing_licensepool"'):
            given.append(GroupLicense.objects.create(group=group, pool=pool_a))  # as if committed while waiting
        return result

    with connection.execute_wrapper(give_once_the_first_pool_statement_ran):
        change(user, subscription, remove=[pool_a])

    assert given
    assert LicenseAssignment.objects.get(user=user, pool=pool_a).direct is False
    assert assigned(pool_a) == 1


@pytest.mark.parametrize("status", SubscriptionStatus.values)
def test_unassigning_is_always_allowed(status, subscription, pool_a, user, assert_pool_counters):
    change(user, subscription, add=[pool_a])
    subscription.status = status
    subscription.save()

    result = change(user, subscription, remove=[pool_a])

    assert result.removed == [pool_a.product]
    assert held(user) == set()
    assert_pool_counters()


def test_a_product_without_a_pool_in_the_subscription_is_refused(subscription, pool_a, user, assert_pool_counters):
    elsewhere = LicensePoolFactory(product__sku_part_number="SKU_ELSEWHERE")

    with pytest.raises(ProductNotInSubscription) as caught:
        change(user, subscription, add=[pool_a, elsewhere])

    assert caught.value.code == "product_not_in_subscription"
    assert caught.value.details["skus"] == ["SKU_ELSEWHERE"]
    assert held(user) == set()
    assert AuditEvent.objects.count() == 0
    assert_pool_counters()


def test_removing_a_product_without_a_pool_in_the_subscription_is_refused(subscription, user):
    elsewhere = LicensePoolFactory(product__sku_part_number="SKU_ELSEWHERE")

    with pytest.raises(ProductNotInSubscription):
        change(user, subscription, remove=[elsewhere])


def test_adding_and_removing_the_same_product_is_a_validation_error(subscription, pool_a, pool_b, user):
    with pytest.raises(ValidationFailed) as caught:
        change(user, subscription, add=[pool_a, pool_b], remove=[pool_a])

    assert caught.value.code == "validation_error"
    assert caught.value.details["skus"] == ["SKU_A"]
    assert held(user) == set()
    assert AuditEvent.objects.count() == 0


def test_a_freed_license_can_be_assigned_to_someone_else(subscription, pool_b, assert_pool_counters):
    first, second = UserFactory(), UserFactory()
    change(first, subscription, add=[pool_b])
    with pytest.raises(NotEnoughLicenses):
        change(second, subscription, add=[pool_b])

    change(first, subscription, remove=[pool_b])
    change(second, subscription, add=[pool_b])

    assert (held(first), held(second)) == (set(), {"SKU_B"})
    assert_pool_counters()


def test_an_unknown_source_writes_nothing(subscription, pool_a, user, assert_pool_counters):
    with pytest.raises(ValidationFailed):
        change(user, subscription, add=[pool_a], source="email")

    assert held(user) == set()
    assert AuditEvent.objects.count() == 0
    assert_pool_counters()


# --- audit ---------------------------------------------------------------------------------------------------


def test_each_change_writes_one_audit_event_with_its_snapshots(subscription, pool_a, pool_b, global_admin, user):
    change(user, subscription, add=[pool_a, pool_b], actor=global_admin, source=Source.API)

    assert set(LicenseAssignment.objects.filter(user=user).values_list("assigned_by", flat=True)) == {global_admin.pk}
    recorded = events()
    assert len(recorded) == 2
    for event, pool in zip(recorded, [pool_a, pool_b], strict=True):
        assert event.action == AuditAction.LICENSE_ASSIGNED
        assert event.source == Source.API
        assert event.actor == global_admin
        assert event.actor_label == global_admin.email
        assert event.subject_user == user
        assert event.subject_user_label == user.email
        assert event.subscription == subscription
        assert event.subscription_label == subscription.name
        assert event.product == pool.product
        assert event.product_label == pool.product.sku_part_number


@pytest.mark.parametrize(("actor_label", "expected"), [("ops@shell", "ops@shell"), ("", "system")])
def test_without_an_actor_the_label_names_who_did_it(actor_label, expected, subscription, pool_a, user):
    change(user, subscription, add=[pool_a], source=Source.CLI, actor_label=actor_label)

    (event,) = events()
    assert event.actor is None
    assert event.actor_label == expected
    assert event.source == Source.CLI


def test_the_audit_event_is_part_of_the_change_transaction(monkeypatch, subscription, pool_a, user):
    def broken_audit(events):  # the audit insert fails in the database, with the change's other writes
        return Write("INSERT INTO audit_table_unavailable VALUES (1)", ())

    monkeypatch.setattr("licensing.services.assignments.audit_write", broken_audit)

    with pytest.raises(DatabaseError):
        change(user, subscription, add=[pool_a])

    assert held(user) == set()
    assert assigned(pool_a) == 0


def test_the_snapshots_survive_the_deletion_of_their_subjects(subscription, pool_a, global_admin, user):
    change(user, subscription, add=[pool_a], actor=global_admin)
    change(user, subscription, remove=[pool_a], actor=global_admin)
    label = global_admin.email
    global_admin.delete()

    event = AuditEvent.objects.first()
    assert event.actor is None
    assert event.actor_label == label


# --- user_licenses_set ---------------------------------------------------------------------------------------


def test_set_applies_the_difference(subscription, pool_a, pool_b, pool_c, user, assert_pool_counters):
    change(user, subscription, add=[pool_a, pool_c])

    result = user_licenses_set(
        user=user, subscription=subscription, products=[pool_b.product, pool_c.product], by=Actor(None, Source.WEB)
    )

    assert result.added == [pool_b.product]
    assert result.removed == [pool_a.product]
    assert held(user) == {"SKU_B", "SKU_C"}
    assert [event.action for event in events()[2:]] == [AuditAction.LICENSE_ASSIGNED, AuditAction.LICENSE_UNASSIGNED]
    assert_pool_counters()


@pytest.mark.parametrize("wanted", [["SKU_A"], []])
def test_set_reads_the_subscription_by_its_id_with_the_pools(subscription, pool_a, user, wanted):
    """Only the subscription's id is used: the change's `subscription` is the one read with the pools locked (or on
    its own when none are), and one that does not exist is NotFound, changing nothing."""
    products = [pool_a.product] if wanted else []
    result = user_licenses_set(
        user=user, subscription=Subscription(pk=subscription.pk), products=products, by=Actor(None, Source.WEB)
    )
    assert result.subscription == subscription and result.subscription.name == subscription.name
    assert held(user) == set(wanted)

    with pytest.raises(NotFound):
        user_licenses_set(
            user=user, subscription=Subscription(pk=999_999), products=products, by=Actor(None, Source.WEB)
        )
    assert held(user) == set(wanted)


def test_set_to_what_is_held_changes_nothing(subscription, pool_a, user):
    change(user, subscription, add=[pool_a])

    result = user_licenses_set(
        user=user, subscription=subscription, products=[pool_a.product], by=Actor(None, Source.WEB)
    )

    assert not result.changed
    assert AuditEvent.objects.count() == 1


def test_set_leaves_other_subscriptions_alone(subscription, pool_a, user, assert_pool_counters):
    other = LicensePoolFactory(product__sku_part_number="SKU_OTHER")
    change(user, subscription, add=[pool_a])
    change(user, other.subscription, add=[other])

    user_licenses_set(user=user, subscription=subscription, products=[], by=Actor(None, Source.WEB))

    assert held(user) == {"SKU_OTHER"}
    assert_pool_counters()


def test_set_with_a_short_product_changes_nothing(subscription, pool_a, pool_b, user, assert_pool_counters):
    change(UserFactory(), subscription, add=[pool_b])
    change(user, subscription, add=[pool_a])

    with pytest.raises(NotEnoughLicenses):
        user_licenses_set(user=user, subscription=subscription, products=[pool_b.product], by=Actor(None, Source.WEB))

    assert held(user) == {"SKU_A"}
    assert_pool_counters()


# --- who may -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actor_fixture", "error"),
    [
        ("global_admin", None),
        ("subscription_admin", None),
        ("user_admin", None),
        ("other_subscription_admin", NotFound),
        ("member", PermissionDenied),
        ("inactive_admin", PermissionDenied),
    ],
)
def test_who_may_assign_licenses(request, actor_fixture, error, subscription, pool_a, user, assert_pool_counters):
    actor = request.getfixturevalue(actor_fixture)
    operations = [
        lambda: change(user, subscription, add=[pool_a], actor=actor),
        lambda: user_licenses_set(user=user, subscription=subscription, products=[], by=Actor(actor, Source.WEB)),
        lambda: bulk_assign(pool_a, [user], actor=actor),
        lambda: bulk_unassign(pool_a, [user], actor=actor),
    ]
    for operation in operations:
        if error is None:
            operation()
        else:
            with pytest.raises(error):
                operation()
    assert AuditEvent.objects.count() == (0 if error else 4)  # assign, set to none, bulk assign, bulk unassign
    assert_pool_counters()
