"""users/{id}/licenses/: the guide's workflow over the API, the atomic change, the desired set and ETags."""

import pytest
from django.utils import timezone

from accounts.services.users import user_update
from core.audit import Actor
from core.choices import AuditAction, Source
from core.models import AuditEvent
from licensing.models import LicenseAssignment, LicensePool
from licensing.services.reclaim import licenses_reclaim
from tests.api.conftest import bearer_client, error_of


@pytest.fixture
def admin(org):
    return bearer_client(org.users["subscription_admin"])


def url(user) -> str:
    return f"/api/v1/users/{user.pk}/licenses/"


def held(response, subscription) -> list[str]:
    return sorted(
        lic["product"]["sku_part_number"]
        for lic in response.json()["licenses"]
        if lic["subscription"]["id"] == subscription.pk
    )


def test_get_lists_licenses_with_who_assigned_them_and_when(org, admin):
    admin.post(url(org.adele), {"subscription": org.s.pk, "add": ["OFFICESERIES_E3"]}, format="json")
    response = admin.get(url(org.adele))
    assert response.status_code == 200
    body = response.json()
    assert body["user"] == {"id": org.adele.pk, "email": "adele.vance@contoso.test", "display_name": "Adele Vance"}
    [license] = body["licenses"]
    assert license["subscription"] == {"id": org.s.pk, "name": "Contoso Enterprise", "status": "active"}
    assert license["product"] == {
        "sku_id": str(org.e3.sku_id),
        "sku_part_number": "OFFICESERIES_E3",
        "name": "OfficeSeries E3",
    }
    assert license["assigned_by"]["email"] == "sam.subadmin@contoso.test"
    assert license["assigned_at"]


def test_post_adds_and_removes_in_one_change_and_returns_the_licenses(org, admin):
    response = admin.post(
        url(org.henrietta),
        {"subscription": org.s.pk, "add": [str(org.e3.sku_id)], "remove": ["VISIO_P2"]},
        format="json",
    )
    assert response.status_code == 200
    assert held(response, org.s) == ["OFFICESERIES_E3"]
    response = admin.post(
        url(org.adele), {"subscription": org.s.pk, "add": ["visio_p2", "OFFICESERIES_E3"]}, format="json"
    )
    assert held(response, org.s) == ["OFFICESERIES_E3", "VISIO_P2"]
    org.pool_visio.refresh_from_db()
    assert (org.pool_visio.assigned, org.pool_visio.available) == (1, 0)


def test_post_of_what_the_user_already_holds_changes_nothing(org, admin):
    before = AuditEvent.objects.count()
    response = admin.post(url(org.alex), {"subscription": org.s.pk, "add": ["OFFICESERIES_E3"]}, format="json")
    assert response.status_code == 200
    assert AuditEvent.objects.count() == before


def test_put_sets_the_desired_set_and_is_idempotent(org, admin):
    body = {"subscription": org.s.pk, "products": ["OFFICESERIES_E5"]}
    first = admin.put(url(org.alex), body, format="json")
    assert first.status_code == 200
    assert held(first, org.s) == ["OFFICESERIES_E5"]
    events = AuditEvent.objects.count()
    second = admin.put(url(org.alex), body, format="json")
    assert second.json() == first.json()
    assert second["ETag"] == first["ETag"]
    assert AuditEvent.objects.count() == events
    # The license in the other subscription is untouched.
    assert LicenseAssignment.objects.filter(user=org.alex, pool=org.pool_t_e3).exists()


def test_changes_are_audited_as_api_changes_by_the_caller(org, admin):
    admin.put(url(org.adele), {"subscription": org.s.pk, "products": ["OFFICESERIES_E3"]}, format="json")
    event = AuditEvent.objects.get(subject_user=org.adele)
    assert (event.action, event.source, event.actor_label) == (
        AuditAction.LICENSE_ASSIGNED,
        Source.API,
        "sam.subadmin@contoso.test",
    )


def test_etag_changes_with_the_licenses_and_if_match_accepts_the_current_one(org, admin):
    etag = admin.get(url(org.adele))["ETag"]
    assert etag.startswith('"') and etag.endswith('"')
    response = admin.post(
        url(org.adele), {"subscription": org.s.pk, "add": ["OFFICESERIES_E3"]}, format="json", HTTP_IF_MATCH=etag
    )
    assert response.status_code == 200
    new_etag = response["ETag"]
    assert new_etag != etag
    assert admin.get(url(org.adele))["ETag"] == new_etag
    response = admin.put(
        url(org.adele), {"subscription": org.s.pk, "products": []}, format="json", HTTP_IF_MATCH=new_etag
    )
    assert response.status_code == 200
    assert response["ETag"] == etag  # the same state (no licenses) as at first


def test_if_match_star_always_matches(org, admin):
    response = admin.put(url(org.adele), {"subscription": org.s.pk, "products": []}, format="json", HTTP_IF_MATCH="*")
    assert response.status_code == 200


def test_the_guides_workflow(org, admin):
    """Find a user, assign, verify, unassign, verify: as the README's curl examples do."""
    [found] = admin.get("/api/v1/users/", {"q": "adele", "subscription": org.s.pk}).json()["results"]
    assert found["licenses"] == []
    pools = admin.get("/api/v1/pools/", {"subscription": org.s.pk, "product": "OFFICESERIES_E3"}).json()["results"]
    assert pools[0]["available"] == 19
    response = admin.post(url(org.adele), {"subscription": org.s.pk, "add": ["OFFICESERIES_E3"]}, format="json")
    assert held(response, org.s) == ["OFFICESERIES_E3"]
    licensed = admin.get("/api/v1/users/", {"subscription": org.s.pk, "product": "OFFICESERIES_E3"}).json()
    assert {user["email"] for user in licensed["results"]} == {"adele.vance@contoso.test", "alex.wilber@contoso.test"}
    response = admin.post(url(org.adele), {"subscription": org.s.pk, "remove": ["OFFICESERIES_E3"]}, format="json")
    assert held(response, org.s) == []
    assert LicensePool.objects.get(pk=org.pool_e3.pk).available == 19


def test_a_license_for_an_account_whose_licenses_were_reclaimed_is_refused(org, admin):
    operator = Actor(None, Source.CLI, label="ops")
    user_update(by=operator, user=org.adele, is_active=False)
    licenses_reclaim(by=operator, now=timezone.now() + timezone.timedelta(days=31))
    response = admin.post(url(org.adele), {"subscription": org.s.pk, "add": ["OFFICESERIES_E3"]}, format="json")
    assert response.status_code == 409
    assert error_of(response)["code"] == "licenses_reclaimed"
    assert "enable the account first" in error_of(response)["message"]
