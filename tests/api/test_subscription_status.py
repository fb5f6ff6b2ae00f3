"""PATCH /api/v1/subscriptions/{id}/ changes a subscription's status through subscription_set_status: Global
Administrators only, every refusal with the error body, and nothing changed by a refused request."""

import pytest

from core.choices import AuditAction, Source
from core.models import AuditEvent
from licensing.choices import SubscriptionStatus
from licensing.models import Subscription
from tests.api.conftest import error_of


def url(subscription) -> str:
    return f"/api/v1/subscriptions/{subscription.pk}/"


def status_of(subscription) -> str:
    return Subscription.objects.get(pk=subscription.pk).status


def status_events() -> int:
    return AuditEvent.objects.filter(action=AuditAction.SUBSCRIPTION_STATUS_CHANGED).count()


def test_a_global_administrator_suspends_and_reactivates(org, client_as):
    client = client_as("global_admin")

    suspended = client.patch(url(org.s), {"status": "suspended"}, format="json")
    reactivated = client.patch(url(org.s), {"status": "active"}, format="json")

    assert (suspended.status_code, suspended.json()["status"]) == (200, "suspended")
    assert (reactivated.status_code, reactivated.json()["status"]) == (200, "active")
    assert [pool["product"]["sku_part_number"] for pool in reactivated.json()["pools"]] == [
        "OFFICESERIES_E3",
        "OFFICESERIES_E5",
        "VISIO_P2",
    ]
    events = AuditEvent.objects.filter(action=AuditAction.SUBSCRIPTION_STATUS_CHANGED).order_by("pk")
    assert [(event.source, event.actor, event.details) for event in events] == [
        (Source.API, org.users["global_admin"], {"old": "active", "new": "suspended"}),
        (Source.API, org.users["global_admin"], {"old": "suspended", "new": "active"}),
    ]


@pytest.mark.parametrize(
    ("role", "subscription", "status_code", "code"),
    [
        ("subscription_admin", "s", 403, "permission_denied"),
        ("subscription_admin", "t", 404, "not_found"),
        ("user_admin", "s", 403, "permission_denied"),
        ("member", "s", 403, "permission_denied"),
        ("anonymous", "s", 401, "not_authenticated"),
    ],
)
def test_only_a_global_administrator_may(org, client_as, role, subscription, status_code, code):
    target = getattr(org, subscription)

    response = client_as(role).patch(url(target), {"status": "suspended"}, format="json")

    assert response.status_code == status_code
    assert error_of(response)["code"] == code
    assert status_of(target) == SubscriptionStatus.ACTIVE
    assert status_events() == 0


def test_a_role_without_the_right_is_refused_before_its_body_is_read(org, client_as):
    response = client_as("user_admin").patch(url(org.s), {"status": "nonsense"}, format="json")

    assert (response.status_code, error_of(response)["code"]) == (403, "permission_denied")


@pytest.mark.parametrize("body", [{"status": "paused"}, {"status": ""}, {"status": None}, {"status": 3}, {}])
def test_a_bad_status_is_a_validation_error_naming_the_statuses(org, client_as, body):
    response = client_as("global_admin").patch(url(org.s), body, format="json")

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "validation_error"
    if body.get("status") == "paused":
        assert error["details"]["fields"]["status"] == [
            '"paused" is not a status; use one of active, warning, suspended, expired.'
        ]
    assert status_of(org.s) == SubscriptionStatus.ACTIVE
    assert status_events() == 0


def test_a_change_the_lifecycle_does_not_allow_is_a_conflict(org, client_as):
    client = client_as("global_admin")
    assert client.patch(url(org.s), {"status": "expired"}, format="json").status_code == 200

    response = client.patch(url(org.s), {"status": "active"}, format="json")

    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "status_change_not_allowed"
    assert error["details"] == {
        "subscription": "Contoso Enterprise",
        "status": "expired",
        "requested": "active",
        "allowed": [],
    }
    assert status_of(org.s) == SubscriptionStatus.EXPIRED
    assert status_events() == 1


def test_the_same_status_is_200_and_not_audited(org, client_as):
    response = client_as("global_admin").patch(url(org.s), {"status": "active"}, format="json")

    assert (response.status_code, response.json()["status"]) == (200, "active")
    assert status_events() == 0


@pytest.mark.parametrize("method", ["put", "post", "delete"])
def test_only_patch_writes(org, client_as, method):
    response = getattr(client_as("global_admin"), method)(url(org.s), {"status": "suspended"}, format="json")

    assert response.status_code == 405
    assert status_of(org.s) == SubscriptionStatus.ACTIVE


def test_a_suspended_subscription_takes_no_new_assignment_until_reactivated(org, client_as):
    client = client_as("global_admin")
    assign = {"user": org.adele.pk, "subscription": org.s.pk, "product": "OFFICESERIES_E3"}
    client.patch(url(org.s), {"status": "suspended"}, format="json")

    refused = client.post("/api/v1/assignments/", assign, format="json")
    client.patch(url(org.s), {"status": "active"}, format="json")
    assigned = client.post("/api/v1/assignments/", assign, format="json")

    assert (refused.status_code, error_of(refused)["code"]) == (409, "subscription_not_active")
    assert assigned.status_code == 201
