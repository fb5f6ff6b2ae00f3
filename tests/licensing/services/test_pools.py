"""licensing.services.pools: pool_set_quantity and pool_create, their audit events, and who may call them."""

import pytest

from core.audit import Actor
from core.choices import AuditAction, Source
from core.errors import NotFound, PermissionDenied, QuantityBelowAssigned, ValidationFailed
from core.models import AuditEvent
from licensing.models import LicensePool
from licensing.services.pools import pool_create
from tests.factories import ProductFactory, UserFactory
from tests.licensing.services.conftest import change, events, set_quantity

pytestmark = pytest.mark.django_db


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
