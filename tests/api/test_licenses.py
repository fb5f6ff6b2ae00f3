"""users/{id}/licenses/: the guide's workflow over the API, the atomic change, the desired set and ETags."""

import pytest

from core.choices import AuditAction, Source
from core.models import AuditEvent
from licensing.models import LicenseAssignment, LicensePool
from tests.api.conftest import bearer_client


@pytest.fixture
def admin(world):
    return bearer_client(world.users["subscription_admin"])


def url(user) -> str:
    return f"/api/v1/users/{user.pk}/licenses/"


def held(response, subscription) -> list[str]:
    return sorted(
        lic["product"]["sku_part_number"]
        for lic in response.json()["licenses"]
        if lic["subscription"]["id"] == subscription.pk
    )


def test_get_lists_licenses_with_who_assigned_them_and_when(world, admin):
    admin.post(url(world.adele), {"subscription": world.s.pk, "add": ["OFFICESERIES_E3"]}, format="json")
    response = admin.get(url(world.adele))
    assert response.status_code == 200
    body = response.json()
    assert body["user"] == {"id": world.adele.pk, "email": "adele@contoso.example", "display_name": "Adele Vance"}
    [license] = body["licenses"]
    assert license["subscription"] == {"id": world.s.pk, "name": "Contoso Enterprise", "status": "active"}
    assert license["product"] == {
        "sku_id": str(world.e3.sku_id),
        "sku_part_number": "OFFICESERIES_E3",
        "name": "OfficeSeries E3",
    }
    assert license["assigned_by"]["email"] == "sa@contoso.example"
    assert license["assigned_at"]


def test_post_adds_and_removes_in_one_change_and_returns_the_licenses(world, admin):
    response = admin.post(
        url(world.holder),
        {"subscription": world.s.pk, "add": [], "remove": ["OFFICESERIES_E5", str(world.e3.sku_id)]},
        format="json",
    )
    assert response.status_code == 200
    assert held(response, world.s) == []
    response = admin.post(
        url(world.adele), {"subscription": world.s.pk, "add": ["officeseries_e5", "OFFICESERIES_E3"]}, format="json"
    )
    assert held(response, world.s) == ["OFFICESERIES_E3", "OFFICESERIES_E5"]
    world.pool_s_e5.refresh_from_db()
    assert (world.pool_s_e5.assigned, world.pool_s_e5.available) == (1, 0)


def test_post_of_what_the_user_already_holds_changes_nothing(world, admin):
    before = AuditEvent.objects.count()
    response = admin.post(url(world.holder), {"subscription": world.s.pk, "add": ["OFFICESERIES_E3"]}, format="json")
    assert response.status_code == 200
    assert AuditEvent.objects.count() == before


def test_put_sets_the_desired_set_and_is_idempotent(world, admin):
    body = {"subscription": world.s.pk, "products": ["OFFICESERIES_E3"]}
    first = admin.put(url(world.holder), body, format="json")
    assert first.status_code == 200
    assert held(first, world.s) == ["OFFICESERIES_E3"]
    events = AuditEvent.objects.count()
    second = admin.put(url(world.holder), body, format="json")
    assert second.json() == first.json()
    assert second["ETag"] == first["ETag"]
    assert AuditEvent.objects.count() == events
    # The license in the other subscription is untouched.
    assert LicenseAssignment.objects.filter(user=world.holder, pool=world.pool_t_e3).exists()


def test_changes_are_audited_as_api_changes_by_the_caller(world, admin):
    admin.put(url(world.adele), {"subscription": world.s.pk, "products": ["OFFICESERIES_E3"]}, format="json")
    event = AuditEvent.objects.get(subject_user=world.adele)
    assert (event.action, event.source, event.actor_label) == (
        AuditAction.LICENSE_ASSIGNED,
        Source.API,
        "sa@contoso.example",
    )


def test_etag_changes_with_the_licenses_and_if_match_accepts_the_current_one(world, admin):
    etag = admin.get(url(world.adele))["ETag"]
    assert etag.startswith('"') and etag.endswith('"')
    response = admin.post(
        url(world.adele), {"subscription": world.s.pk, "add": ["OFFICESERIES_E3"]}, format="json", HTTP_IF_MATCH=etag
    )
    assert response.status_code == 200
    new_etag = response["ETag"]
    assert new_etag != etag
    assert admin.get(url(world.adele))["ETag"] == new_etag
    response = admin.put(
        url(world.adele), {"subscription": world.s.pk, "products": []}, format="json", HTTP_IF_MATCH=new_etag
    )
    assert response.status_code == 200
    assert response["ETag"] == etag  # the same state (no licenses) as at first


def test_if_match_star_always_matches(world, admin):
    response = admin.put(
        url(world.adele), {"subscription": world.s.pk, "products": []}, format="json", HTTP_IF_MATCH="*"
    )
    assert response.status_code == 200


def test_the_guides_workflow(world, admin):
    """Find a user, assign, verify, unassign, verify: as the README's curl examples do."""
    [found] = admin.get("/api/v1/users/", {"q": "adele", "subscription": world.s.pk}).json()["results"]
    assert found["licenses"] == []
    pools = admin.get("/api/v1/pools/", {"subscription": world.s.pk, "product": "OFFICESERIES_E3"}).json()["results"]
    assert pools[0]["available"] == 4
    response = admin.post(url(world.adele), {"subscription": world.s.pk, "add": ["OFFICESERIES_E3"]}, format="json")
    assert held(response, world.s) == ["OFFICESERIES_E3"]
    licensed = admin.get("/api/v1/users/", {"subscription": world.s.pk, "product": "OFFICESERIES_E3"}).json()
    assert {user["email"] for user in licensed["results"]} == {"adele@contoso.example", "holder@contoso.example"}
    response = admin.post(url(world.adele), {"subscription": world.s.pk, "remove": ["OFFICESERIES_E3"]}, format="json")
    assert held(response, world.s) == []
    assert LicensePool.objects.get(pk=world.pool_s_e3.pk).available == 4
