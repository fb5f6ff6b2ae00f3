"""`manage.py seed_demo`: a complete, consistent demo organisation, and running it again changes nothing."""

from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db import connection

from accounts.choices import Role
from accounts.models import Group, GroupMembership, RoleAssignment, User
from accounts.permissions import admin_scope
from core.choices import AuditAction
from core.models import AuditEvent
from licensing.choices import SubscriptionStatus
from licensing.demo import ADMINS, DEMO_DOMAIN, DEMO_GROUP, DEMO_PASSWORD, EXHAUSTED, PRODUCTS, SUBSCRIPTIONS
from licensing.demo_plans import PLANS, PRODUCT_PLANS
from licensing.models import LicenseAssignment, LicensePool, Product, ServicePlan, Subscription

pytestmark = pytest.mark.django_db

USERS = 60


def seed(users: int = USERS) -> str:
    out = StringIO()
    call_command("seed_demo", "--users", str(users), stdout=out)
    return out.getvalue()


def demo_users() -> int:
    return User.objects.exclude(email__in=[admin.email for admin in ADMINS]).count()


def snapshot() -> dict:
    return {
        "users": sorted(User.objects.values_list("email", "password")),
        "roles": sorted(RoleAssignment.objects.values_list("user_id", "role", "subscription_id")),
        "products": Product.objects.count(),
        "plans": sorted(ServicePlan.objects.values_list("service_plan_id", "name")),
        "product_plans": sorted(Product.service_plans.through.objects.values_list("product_id", "serviceplan_id")),
        "subscriptions": sorted(Subscription.objects.values_list("name", "status")),
        "pools": sorted(LicensePool.objects.values_list("pk", "quantity", "assigned")),
        "assignments": sorted(LicenseAssignment.objects.values_list("pool_id", "user_id")),
        "audit_events": AuditEvent.objects.count(),
    }


@pytest.fixture
def seeded(db):
    return seed()


def test_it_builds_the_demo_organisation(seeded, assert_pool_counters):
    assert f"{USERS} users created" in seeded
    assert demo_users() == USERS
    assert Product.objects.count() == len(PRODUCTS)
    assert Subscription.objects.count() == len(SUBSCRIPTIONS)
    assert LicensePool.objects.count() == sum(len(spec.shares) for spec in SUBSCRIPTIONS)
    assert LicenseAssignment.objects.exists()
    assert_pool_counters()


def test_every_product_holds_its_plans_with_their_fixed_ids_and_products_share_plans(seeded):
    seeded_plans = {str(plan_id): name for plan_id, name in ServicePlan.objects.values_list("service_plan_id", "name")}
    assert seeded_plans == {plan_id: name for name, (plan_id, _) in PLANS.items()}
    for part, names in PRODUCT_PLANS.items():
        product = Product.objects.get(sku_part_number=part)
        assert sorted(product.service_plans.values_list("name", flat=True)) == sorted(names), part
    mail = ServicePlan.objects.get(name="EXCHANGE_S_ENTERPRISE")
    assert {"OFFICESERIES_E3", "OFFICESERIES_E5", "MAIL_PLAN_2"} <= set(
        mail.products.values_list("sku_part_number", flat=True)
    )


def test_subscriptions_take_every_status(seeded):
    assert set(Subscription.objects.values_list("status", flat=True)) == set(SubscriptionStatus.values)
    assert {spec.name: spec.status for spec in SUBSCRIPTIONS} == dict(
        Subscription.objects.values_list("name", "status")
    )


def test_an_exhausted_pool_exists(seeded):
    subscription, part = EXHAUSTED
    pool = LicensePool.objects.get(subscription__name=subscription, product__sku_part_number=part)

    assert pool.quantity > 0
    assert pool.available == 0


def test_a_dynamic_group_holds_a_pool_smaller_than_itself_and_the_rest_wait(seeded, assert_pool_counters):
    group = Group.objects.get(name=DEMO_GROUP.name)
    directors = set(User.objects.filter(job_title="Director").values_list("pk", flat=True))
    pool = LicensePool.objects.get(subscription__name=DEMO_GROUP.subscription, product__sku_part_number=DEMO_GROUP.sku)

    assert set(GroupMembership.objects.filter(group=group).values_list("user_id", flat=True)) == directors
    assert pool.assigned == pool.quantity
    assert pool.pending == len(directors) - pool.quantity > 0
    assert_pool_counters()


def test_users_seeded_later_join_the_demo_group(seeded, assert_pool_counters):
    seed(USERS * 2)

    group = Group.objects.get(name=DEMO_GROUP.name)
    directors = set(User.objects.filter(job_title="Director").values_list("pk", flat=True))
    assert set(GroupMembership.objects.filter(group=group).values_list("user_id", flat=True)) == directors
    assert_pool_counters()


def test_every_assignment_is_audited(seeded):
    assert AuditEvent.objects.filter(action=AuditAction.LICENSE_ASSIGNED).count() == LicenseAssignment.objects.count()
    assert set(AuditEvent.objects.values_list("actor_label", flat=True)) == {"seed_demo"}


@pytest.mark.parametrize("admin", ADMINS, ids=lambda admin: admin.email)
def test_demo_admins_hold_their_roles_and_sign_in(admin, seeded):
    user = authenticate(username=admin.email, password=DEMO_PASSWORD)

    assert user is not None
    roles = list(RoleAssignment.objects.filter(user=user).values_list("role", "subscription__name"))
    assert roles == ([(admin.role, admin.subscription)] if admin.role else [])
    assert admin_scope(user).is_admin is (admin.role is not None)


def test_the_member_cannot_use_the_admin_center(seeded):
    member = User.objects.get(email=f"member@{DEMO_DOMAIN}")

    assert not admin_scope(member).is_admin


def test_the_subscription_admin_administers_contoso_enterprise(seeded):
    user = User.objects.get(email=f"subadmin@{DEMO_DOMAIN}")
    enterprise = Subscription.objects.get(name="Contoso Enterprise")

    assert RoleAssignment.objects.get(user=user).role == Role.SUBSCRIPTION_ADMIN
    assert admin_scope(user).subscription_ids == frozenset({enterprise.pk})


def test_a_second_run_changes_nothing(seeded, assert_pool_counters):
    before = snapshot()

    output = seed()

    assert "0 users created, 0 licenses assigned" in output
    assert snapshot() == before
    assert_pool_counters()


def test_more_users_grow_the_organisation(seeded, assert_pool_counters):
    licenses_before = LicenseAssignment.objects.count()
    roles_before = RoleAssignment.objects.count()

    output = seed(users=500)

    assert f"{500 - USERS} users created" in output
    assert demo_users() == 500
    assert LicenseAssignment.objects.count() > licenses_before
    assert RoleAssignment.objects.count() == roles_before
    subscription, part = EXHAUSTED
    assert LicensePool.objects.get(subscription__name=subscription, product__sku_part_number=part).available == 0
    assert set(Subscription.objects.values_list("status", flat=True)) == set(SubscriptionStatus.values)
    assert_pool_counters()


def test_a_negative_user_count_is_refused(db):
    with pytest.raises(SystemExit) as caught:
        call_command("seed_demo", "--users", "-1", stdout=StringIO(), stderr=StringIO())

    assert caught.value.code == 2
    assert not Subscription.objects.exists()


def indexes(model) -> dict:
    with connection.cursor() as cursor:
        return connection.introspection.get_constraints(cursor, model._meta.db_table)


@pytest.mark.postgres
def test_a_large_load_builds_the_indexes_it_dropped_again(db, monkeypatch, assert_pool_counters):
    before = {model: indexes(model) for model in (User, AuditEvent)}
    monkeypatch.setattr("licensing.demo.LOAD_WITHOUT_INDEXES", 10)

    seed()

    assert {model: indexes(model) for model in (User, AuditEvent)} == before
    assert demo_users() == USERS
    assert AuditEvent.objects.filter(action=AuditAction.LICENSE_ASSIGNED).count() == LicenseAssignment.objects.count()
    assert_pool_counters()
