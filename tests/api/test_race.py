"""The race on the last license, over the API, on PostgreSQL: many clients at once, exactly one 2xx, the rest 409."""

import pytest

from core.models import AuditEvent
from licensing.models import LicenseAssignment
from tests.api.conftest import bearer_client
from tests.concurrency import requests_at_once
from tests.factories import LicensePoolFactory, RoleAssignmentFactory, UserFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

CLIENTS = 12


def outcomes(responses: list) -> list:
    return sorted(getattr(response, "status_code", repr(response)) for response in responses)


@pytest.fixture
def last_license():
    """A pool with one license left (of two), and one admin client per racer, each a different admin."""
    pool = LicensePoolFactory(quantity=2)
    LicenseAssignment.objects.create(pool=pool, user=UserFactory())
    pool.assigned = 1
    pool.save(update_fields=["assigned"])
    admins = [RoleAssignmentFactory(role="global_admin").user for _ in range(CLIENTS)]
    return pool, [bearer_client(admin) for admin in admins]


def _check_one_winner(pool, responses) -> None:
    statuses = outcomes(responses)
    assert [status for status in statuses if status != 409] in ([200], [201]), statuses
    assert statuses.count(409) == CLIENTS - 1, statuses
    for response in responses:
        if response.status_code == 409:
            assert response.json()["error"]["code"] == "not_enough_licenses"
    pool.refresh_from_db()
    assert (pool.assigned, pool.assignments.count()) == (2, 2)
    assert AuditEvent.objects.filter(action="license_assigned", source="api").count() == 1


def test_many_clients_race_for_the_last_license_through_user_licenses(last_license):
    pool, clients = last_license
    users = UserFactory.create_batch(CLIENTS)
    body = {"subscription": pool.subscription_id, "add": [pool.product.sku_part_number]}
    responses = requests_at_once(
        [
            lambda client=client, user=user: client.post(f"/api/v1/users/{user.pk}/licenses/", body, format="json")
            for client, user in zip(clients, users, strict=True)
        ]
    )
    _check_one_winner(pool, responses)


def test_many_clients_race_for_the_last_license_through_assignments(last_license):
    pool, clients = last_license
    users = UserFactory.create_batch(CLIENTS)
    responses = requests_at_once(
        [
            lambda client=client, user=user: client.post(
                "/api/v1/assignments/",
                {"user": user.pk, "subscription": pool.subscription_id, "product": str(pool.product.sku_id)},
                format="json",
            )
            for client, user in zip(clients, users, strict=True)
        ]
    )
    _check_one_winner(pool, responses)


def test_concurrent_puts_with_the_same_if_match_let_exactly_one_through(last_license):
    """Two scripts read a user's licenses, then both write based on that read: the second gets 412."""
    pool, clients = last_license
    pool.quantity = 50
    pool.save(update_fields=["quantity"])
    user = UserFactory()
    url = f"/api/v1/users/{user.pk}/licenses/"
    etag = clients[0].get(url)["ETag"]
    bodies = [{"subscription": pool.subscription_id, "products": [pool.product.sku_part_number]}] * CLIENTS
    responses = requests_at_once(
        [
            lambda client=client, body=body: client.put(url, body, format="json", HTTP_IF_MATCH=etag)
            for client, body in zip(clients, bodies, strict=True)
        ]
    )
    assert outcomes(responses) == [200] + [412] * (CLIENTS - 1)
