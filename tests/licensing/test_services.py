"""licensing.services: every rule of design.md's "Service layer", one behaviour per test."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.choices import Role
from core.audit import Actor
from core.choices import AuditAction, Source
from core.errors import (
    NotEnoughLicenses,
    NotFound,
    PermissionDenied,
    ProductNotInSubscription,
    QuantityBelowAssigned,
    SubscriptionNotActive,
    ValidationFailed,
)
from core.models import AuditEvent
from licensing.choices import SubscriptionStatus
from licensing.models import LicenseAssignment, LicensePool, Subscription
from licensing.services.assignments import user_licenses_change, user_licenses_set
from licensing.services.bulk import licenses_bulk_assign, licenses_bulk_unassign
from licensing.services.pools import pool_create, pool_set_quantity
from tests.factories import (
    LicensePoolFactory,
    ProductFactory,
    RoleAssignmentFactory,
    SubscriptionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _counters_stay_right(assert_pool_counters):
    """Whatever a test did, every pool's counter still equals its assignment rows afterwards."""
    yield
    assert_pool_counters()


@pytest.fixture
def pool_a(subscription):
    return LicensePoolFactory(subscription=subscription, product__sku_part_number="SKU_A", quantity=3)


@pytest.fixture
def pool_b(subscription):
    return LicensePoolFactory(subscription=subscription, product__sku_part_number="SKU_B", quantity=1)


@pytest.fixture
def pool_c(subscription):
    return LicensePoolFactory(subscription=subscription, product__sku_part_number="SKU_C", quantity=2)


@pytest.fixture
def user(db):
    return UserFactory()


def change(user, subscription, add=(), remove=(), actor=None, source=Source.WEB, actor_label="", **kwargs):
    return user_licenses_change(
        user=user,
        subscription=subscription,
        add=[pool.product for pool in add],
        remove=[pool.product for pool in remove],
        **kwargs,
        by=Actor(actor, source, label=actor_label),
    )


def held(user, subscription=None) -> set[str]:
    """The part numbers of the licenses `user` holds (in `subscription`, when given)."""
    assignments = LicenseAssignment.objects.filter(user=user)
    if subscription is not None:
        assignments = assignments.filter(pool__subscription=subscription)
    return set(assignments.values_list("pool__product__sku_part_number", flat=True))


def assigned(pool) -> int:
    return LicensePool.objects.values_list("assigned", flat=True).get(pk=pool.pk)


def events():
    return list(AuditEvent.objects.order_by("id"))


# --- user_licenses_change -----------------------------------------------------------------------------------


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
    def broken_audit(events):
        raise RuntimeError("audit table unavailable")

    monkeypatch.setattr("licensing.services.assignments.audit_record", broken_audit)

    with pytest.raises(RuntimeError):
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


# --- pool_set_quantity ---------------------------------------------------------------------------------------


def set_quantity(pool, quantity, actor=None):
    return pool_set_quantity(pool=pool, quantity=quantity, by=Actor(actor, Source.WEB))


def test_quantity_below_assigned_is_refused_with_the_number_to_unassign(subscription, pool_a):
    for _ in range(3):
        change(UserFactory(), subscription, add=[pool_a])
    events_before = AuditEvent.objects.count()

    with pytest.raises(QuantityBelowAssigned) as caught:
        set_quantity(pool_a, 1)

    assert caught.value.code == "quantity_below_assigned"
    assert caught.value.details == {"sku": "SKU_A", "quantity": 1, "assigned": 3, "must_unassign": 2}
    assert LicensePool.objects.get(pk=pool_a.pk).quantity == 3
    assert AuditEvent.objects.count() == events_before


def test_quantity_can_go_down_to_exactly_assigned(subscription, pool_c, assert_pool_counters):
    change(UserFactory(), subscription, add=[pool_c])

    updated = set_quantity(pool_c, 1)

    assert (updated.quantity, updated.assigned, updated.available) == (1, 1, 0)
    assert LicensePool.objects.get(pk=pool_c.pk).quantity == 1
    assert_pool_counters()


def test_a_quantity_change_is_audited_with_old_and_new(global_admin, pool_a):
    set_quantity(pool_a, 10, actor=global_admin)

    (event,) = events()
    assert event.action == AuditAction.QUANTITY_CHANGED
    assert event.actor == global_admin
    assert event.subscription == pool_a.subscription
    assert event.product == pool_a.product
    assert event.details == {"old_quantity": 3, "new_quantity": 10}


def test_setting_the_same_quantity_is_not_audited(pool_a):
    set_quantity(pool_a, 3)

    assert AuditEvent.objects.count() == 0


@pytest.mark.parametrize("quantity", [-1, 2.5, "7", True, None])
def test_a_quantity_must_be_a_whole_number_not_below_zero(quantity, pool_a):
    with pytest.raises(ValidationFailed):
        set_quantity(pool_a, quantity)

    assert LicensePool.objects.get(pk=pool_a.pk).quantity == 3


# --- bulk ----------------------------------------------------------------------------------------------------


def bulk_assign(pool, users, actor=None):
    return licenses_bulk_assign(
        subscription=pool.subscription, product=pool.product, users=users, by=Actor(actor, Source.CLI)
    )


def bulk_unassign(pool, users, actor=None):
    return licenses_bulk_unassign(
        subscription=pool.subscription, product=pool.product, users=users, by=Actor(actor, Source.CLI)
    )


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


# --- permissions inside the services -------------------------------------------------------------------------


@pytest.fixture
def other_subscription_admin(db):
    return RoleAssignmentFactory(role=Role.SUBSCRIPTION_ADMIN, subscription=SubscriptionFactory()).user


@pytest.fixture
def inactive_admin(db):
    admin = RoleAssignmentFactory(role=Role.GLOBAL_ADMIN).user
    admin.is_active = False
    admin.save()
    return admin


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


@pytest.mark.parametrize(
    ("actor_fixture", "error"),
    [
        ("global_admin", None),
        ("subscription_admin", None),
        ("user_admin", PermissionDenied),
        ("other_subscription_admin", NotFound),
        ("member", PermissionDenied),
        ("inactive_admin", PermissionDenied),
    ],
)
def test_who_may_change_a_quantity(request, actor_fixture, error, pool_a):
    actor = request.getfixturevalue(actor_fixture)

    if error is None:
        set_quantity(pool_a, 7, actor=actor)
    else:
        with pytest.raises(error) as caught:
            set_quantity(pool_a, 7, actor=actor)
        assert caught.value.code == error.code

    assert LicensePool.objects.get(pk=pool_a.pk).quantity == (3 if error else 7)


def test_adding_a_product_to_a_subscription_is_audited_once(subscription, global_admin):
    product = ProductFactory()
    pool = pool_create(subscription=subscription, product=product, quantity=4, by=Actor(global_admin, Source.WEB))
    again = pool_create(subscription=subscription, product=product, quantity=9, by=Actor(global_admin, Source.WEB))
    assert again.pk == pool.pk and LicensePool.objects.get(pk=pool.pk).quantity == 4
    event = AuditEvent.objects.get(action=AuditAction.POOL_CREATED)
    assert (event.subscription, event.product, event.details) == (subscription, product, {"quantity": 4})


@pytest.mark.parametrize(("actor_fixture", "error"), [("user_admin", PermissionDenied), ("member", PermissionDenied)])
def test_only_quantity_managers_add_products(request, subscription, actor_fixture, error):
    with pytest.raises(error):
        pool_create(
            subscription=subscription,
            product=ProductFactory(),
            quantity=1,
            by=Actor(request.getfixturevalue(actor_fixture), Source.WEB),
        )
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("quantity", [-1, LicensePool.MAX_QUANTITY + 1, 1.5, True])
def test_a_new_pool_needs_a_valid_quantity(subscription, quantity):
    with pytest.raises(ValidationFailed):
        pool_create(subscription=subscription, product=ProductFactory(), quantity=quantity, by=Actor(None, Source.CLI))
    assert not LicensePool.objects.exists()
