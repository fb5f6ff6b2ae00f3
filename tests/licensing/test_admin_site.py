"""The Django admin site writes no licensing or account data past the services: a subscription's status changes
through subscription_set_status (audited, Global Administrators only), and everything else is read-only."""

import pytest

from accounts.choices import Role
from accounts.models import RoleAssignment, User
from core.audit import Actor
from core.choices import AuditAction, Source
from core.models import AuditEvent
from licensing.choices import SubscriptionStatus
from licensing.models import LicenseAssignment, LicensePool, Product, Subscription
from licensing.services.assignments import user_licenses_change
from tests.factories import RoleAssignmentFactory, SubscriptionFactory, UserFactory

ADMIN = "/django-admin"


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root@example.test", "pw-for-the-test-only")


@pytest.fixture
def global_admin_superuser(superuser):
    RoleAssignmentFactory(user=superuser, role=Role.GLOBAL_ADMIN)
    return superuser


def set_status(client, status, *subscriptions):
    return client.post(
        f"{ADMIN}/licensing/subscription/",
        {"action": f"set_status_{status}", "_selected_action": [subscription.pk for subscription in subscriptions]},
        follow=True,
    )


def status_events():
    return list(AuditEvent.objects.filter(action=AuditAction.SUBSCRIPTION_STATUS_CHANGED).order_by("pk"))


def test_reactivating_a_suspended_subscription_is_audited(client, global_admin_superuser):
    legacy = SubscriptionFactory(status=SubscriptionStatus.SUSPENDED)
    client.force_login(global_admin_superuser)

    response = set_status(client, "active", legacy)

    assert response.status_code == 200
    assert "1 of 1 subscriptions set to Active." in response.content.decode()
    assert Subscription.objects.get(pk=legacy.pk).status == SubscriptionStatus.ACTIVE
    (event,) = status_events()
    assert (event.actor, event.source, event.subscription, event.details) == (
        global_admin_superuser,
        Source.ADMIN_SITE,
        legacy,
        {"old": "suspended", "new": "active"},
    )


def test_a_refused_change_changes_none_of_the_selected(client, global_admin_superuser):
    suspended = SubscriptionFactory(status=SubscriptionStatus.SUSPENDED)
    expired = SubscriptionFactory(status=SubscriptionStatus.EXPIRED)
    client.force_login(global_admin_superuser)

    response = set_status(client, "active", suspended, expired)

    assert "Nothing changed: Subscription" in response.content.decode()
    assert Subscription.objects.get(pk=suspended.pk).status == SubscriptionStatus.SUSPENDED
    assert status_events() == []


def test_a_superuser_without_the_global_administrator_role_cannot_change_a_status(client, superuser, subscription):
    client.force_login(superuser)

    page = client.get(f"{ADMIN}/licensing/subscription/")
    response = set_status(client, "suspended", subscription)

    assert "set_status_suspended" not in page.content.decode()
    assert response.status_code == 200
    assert Subscription.objects.get(pk=subscription.pk).status == SubscriptionStatus.ACTIVE
    assert status_events() == []


def test_a_subscription_cannot_be_edited_added_or_deleted(client, global_admin_superuser, subscription):
    client.force_login(global_admin_superuser)
    change = f"{ADMIN}/licensing/subscription/{subscription.pk}/change/"
    before = rows()

    assert client.get(change).status_code == 200  # viewable
    form = {"name": "Renamed", "status": "suspended", "starts_on": "2026-01-01"}
    assert client.post(change, form).status_code == 403
    assert client.post(f"{ADMIN}/licensing/subscription/add/", form).status_code == 403
    assert client.post(f"{ADMIN}/licensing/subscription/{subscription.pk}/delete/", {"post": "yes"}).status_code == 403
    assert rows() == before


@pytest.fixture
def every_row(pool, global_admin):
    """One row of every model the admin site shows."""
    holder = UserFactory()
    user_licenses_change(user=holder, subscription=pool.subscription, add=[pool.product], by=Actor(None, "cli"))
    return {
        "licensing/product": pool.product,
        "licensing/licensepool": pool,
        "licensing/licenseassignment": LicenseAssignment.objects.get(user=holder),
        "core/auditevent": AuditEvent.objects.first(),
        "accounts/user": holder,
        "accounts/roleassignment": RoleAssignment.objects.get(user=global_admin),
    }


MODELS = [Product, Subscription, LicensePool, LicenseAssignment, AuditEvent, User, RoleAssignment]


def rows() -> list[list[tuple]]:
    """Every row of every model the admin site shows, every field."""
    return [list(model.objects.order_by("pk").values_list()) for model in MODELS]


@pytest.mark.parametrize(
    "model",
    [
        "licensing/product",
        "licensing/licensepool",
        "licensing/licenseassignment",
        "core/auditevent",
        "accounts/user",
        "accounts/roleassignment",
    ],
)
def test_every_other_model_is_read_only(client, superuser, every_row, model):
    row = every_row[model]
    client.force_login(superuser)
    before = rows()

    assert client.get(f"{ADMIN}/{model}/").status_code == 200
    assert client.get(f"{ADMIN}/{model}/{row.pk}/change/").status_code == 200
    assert client.post(f"{ADMIN}/{model}/{row.pk}/change/", {"name": "x", "quantity": 99}).status_code == 403
    assert client.post(f"{ADMIN}/{model}/{row.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get(f"{ADMIN}/{model}/add/").status_code == 403
    listing = client.post(
        f"{ADMIN}/{model}/", {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"}
    )
    assert listing.status_code in (200, 302)

    assert rows() == before


def test_django_groups_are_not_offered(client, superuser):
    client.force_login(superuser)

    assert client.get(f"{ADMIN}/auth/group/").status_code == 404


def test_subscriptions_already_in_the_status_are_left_as_they_are(client, global_admin_superuser):
    suspended = SubscriptionFactory(status=SubscriptionStatus.SUSPENDED)
    active = SubscriptionFactory(status=SubscriptionStatus.ACTIVE)
    client.force_login(global_admin_superuser)

    response = set_status(client, "active", suspended, active)

    assert "1 of 2 subscriptions set to Active." in response.content.decode()
    assert [event.subscription for event in status_events()] == [suspended]
