"""SCIM provisioning under races, on PostgreSQL (issue 13): an identity provider's parallel creates, each followed by
the new user joining a licensed group, never over-assign a pool nor lose a member; two creates of one userName give
one user. Each request runs in its own thread, so its own connection and transaction, as on a real server."""

import json

import pytest

from accounts.models import User
from accounts.services.groups import group_create
from core.audit import Actor
from core.choices import Source
from core.models import AuditEvent
from licensing.integrity import counter_problems, source_problems
from licensing.models import LicenseAssignment, PendingLicense
from licensing.services.group_licenses import group_licenses_change
from tests.api.conftest import bearer_client
from tests.concurrency import requests_at_once
from tests.factories import LicensePoolFactory, RoleAssignmentFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CREATES = 20
FREE = 5
SCIM = "application/scim+json"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def scim_post(client, path: str, body: dict):
    return client.generic("POST", f"/scim/v2/{path}", json.dumps(body), content_type=SCIM)


def scim_patch(client, path: str, body: dict):
    return client.generic("PATCH", f"/scim/v2/{path}", json.dumps(body), content_type=SCIM)


def new_user(user_name: str) -> dict:
    return {
        "schemas": [USER_SCHEMA],
        "userName": user_name,
        "displayName": user_name.split("@")[0].title(),
        "emails": [{"value": user_name, "type": "work", "primary": True}],
        "active": True,
    }


@pytest.fixture
def user_admin():
    return RoleAssignmentFactory(role="user_admin").user


def test_parallel_creates_each_joining_a_licensed_group_license_five_and_line_up_fifteen(user_admin):
    pool = LicensePoolFactory(quantity=FREE)
    system = Actor(None, Source.SYSTEM)
    group = group_create(by=system, name="New hires", kind="assigned")
    group_licenses_change(by=system, group=group, subscription=pool.subscription, add=[pool.product])
    clients = [bearer_client(user_admin) for _ in range(CREATES)]

    def create_then_join(client, index: int):
        created = scim_post(client, "Users", new_user(f"hire{index}@contoso.example"))
        if created.status_code != 201:
            return created
        member = {"value": created.json()["id"]}
        operation = {"op": "add", "path": "members", "value": [member]}
        return scim_patch(client, f"Groups/{group.pk}", {"schemas": [PATCH_SCHEMA], "Operations": [operation]})

    results = requests_at_once([lambda c=c, i=i: create_then_join(c, i) for i, c in enumerate(clients)])

    statuses = sorted(getattr(result, "status_code", repr(result)) for result in results)
    assert all(status in (200, 204) for status in statuses), statuses
    hires = User.objects.filter(email__endswith="@contoso.example")
    assert hires.count() == CREATES
    assert group.memberships.count() == CREATES
    pool.refresh_from_db()
    assert (pool.assigned, pool.pending) == (FREE, CREATES - FREE)
    assert LicenseAssignment.objects.filter(pool=pool).count() == FREE
    assert PendingLicense.objects.filter(pool=pool).count() == CREATES - FREE
    assert set(LicenseAssignment.objects.filter(pool=pool).values_list("user_id", flat=True)).isdisjoint(
        PendingLicense.objects.filter(pool=pool).values_list("user_id", flat=True)
    )
    assert counter_problems() == [] and source_problems() == []
    scim_events = AuditEvent.objects.filter(source=Source.SCIM)
    assert scim_events.filter(action="user_created").count() == CREATES
    assert scim_events.filter(action="group_member_added").count() == CREATES
    assert scim_events.filter(action="license_assigned").count() == FREE
    assert scim_events.filter(action="license_pending").count() == CREATES - FREE
    assert set(scim_events.values_list("actor_id", flat=True)) == {user_admin.pk}


def test_two_creates_of_one_user_name_make_one_user(user_admin):
    clients = [bearer_client(user_admin) for _ in range(2)]
    # The second spelling differs in case only: userName is unique without case.
    names = ["Twin@Contoso.example", "twin@contoso.EXAMPLE"]

    results = requests_at_once(
        [lambda c=c, n=n: scim_post(c, "Users", new_user(n)) for c, n in zip(clients, names, strict=True)]
    )

    assert sorted(result.status_code for result in results) == [201, 409], results
    refused = next(result for result in results if result.status_code == 409)
    assert refused.json()["scimType"] == "uniqueness"
    assert refused.json()["status"] == "409"
    assert User.objects.filter(email="twin@contoso.example").count() == 1
    assert AuditEvent.objects.filter(action="user_created", source=Source.SCIM).count() == 1
