"""The other endpoints' behaviour: filters (the web list's FilterSet), pagination, pools, assignments, users."""

import pytest

from accounts.models import User
from core.choices import Source
from core.models import AuditEvent
from licensing.models import LicenseAssignment
from officeseries.api.pagination import Pagination
from tests.api.conftest import bearer_client, error_of
from tests.factories import UserFactory


@pytest.fixture
def admin(org):
    return bearer_client(org.users["global_admin"])


def emails(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {user["email"] for user in response.json()["results"]}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"q": "VANCE"}, {"adele.vance@contoso.test"}),
        ({"q": "wilber@"}, {"alex.wilber@contoso.test"}),
        ({"department": "Research"}, {"henrietta.mueller@contoso.test"}),
        ({"product": "visio_p2"}, {"henrietta.mueller@contoso.test"}),
        ({"licensed": "true"}, {"alex.wilber@contoso.test", "henrietta.mueller@contoso.test"}),
        (
            {"q": "contoso", "licensed": "false", "department": "Sales"},
            {"adele.vance@contoso.test", "morgan.member@contoso.test"},
        ),
    ],
)
def test_users_filters(org, admin, query, expected):
    assert emails(admin.get("/api/v1/users/", query)) == expected


def test_users_filter_by_product_within_a_subscription(org, admin):
    """`subscription` narrows `product` and `licensed`, as on the User License Assignments page."""
    assert emails(admin.get("/api/v1/users/", {"subscription": org.t.pk, "product": "OFFICESERIES_E5"})) == set()
    assert emails(admin.get("/api/v1/users/", {"subscription": org.t.pk, "licensed": "true"})) == {
        "alex.wilber@contoso.test"
    }


def test_users_filter_by_product_sku_id(org, admin):
    assert emails(admin.get("/api/v1/users/", {"product": str(org.visio.sku_id)})) == {"henrietta.mueller@contoso.test"}


def test_users_filter_is_active(org, admin):
    org.adele.is_active = False
    org.adele.save(update_fields=["is_active"])
    assert emails(admin.get("/api/v1/users/", {"is_active": "false"})) == {"adele.vance@contoso.test"}


@pytest.mark.parametrize("value", ["abc", "0", "1.5"])
def test_users_filter_with_a_malformed_subscription_is_a_validation_error(org, admin, value):
    response = admin.get("/api/v1/users/", {"subscription": value})
    assert response.status_code == 400
    assert "subscription" in error_of(response)["details"]["fields"]


def test_pages_do_not_overlap_even_when_the_sort_key_ties(org, admin):
    UserFactory.create_batch(7, display_name="Same Name")
    first = admin.get("/api/v1/users/", {"limit": 4, "ordering": "name"}).json()
    seen = [user["id"] for user in first["results"]]
    page = first
    while page["next"]:
        page = admin.get(page["next"]).json()
        seen += [user["id"] for user in page["results"]]
    assert first["count"] == len(seen) == len(set(seen))


def test_page_size_is_capped(org, admin, monkeypatch):
    monkeypatch.setattr(Pagination, "max_limit", 2)
    response = admin.get("/api/v1/users/", {"limit": 50}).json()
    assert response["count"] > 2
    assert len(response["results"]) == 2


def test_subscription_shows_its_pools(org, admin):
    body = admin.get(f"/api/v1/subscriptions/{org.s.pk}/").json()
    assert [
        (pool["product"]["sku_part_number"], pool["quantity"], pool["assigned"], pool["available"])
        for pool in body["pools"]
    ] == [
        ("OFFICESERIES_E3", 20, 1, 19),
        ("OFFICESERIES_E5", 5, 0, 5),
        ("VISIO_P2", 1, 1, 0),
    ]


def test_pool_quantity_change(org, admin):
    response = admin.patch(f"/api/v1/pools/{org.pool_visio.pk}/", {"quantity": 3}, format="json")
    assert response.status_code == 200
    assert (response.json()["quantity"], response.json()["available"]) == (3, 2)
    event = AuditEvent.objects.get(action="quantity_changed")
    assert (event.source, event.details) == (Source.API, {"old_quantity": 1, "new_quantity": 3})


def test_pools_filter(org, admin):
    results = admin.get("/api/v1/pools/", {"product": "OFFICESERIES_E3"}).json()["results"]
    assert {pool["id"] for pool in results} == {org.pool_e3.pk, org.pool_t_e3.pk}
    results = admin.get("/api/v1/pools/", {"subscription": org.t.pk}).json()["results"]
    assert [pool["id"] for pool in results] == [org.pool_t_e3.pk]


def test_assignments_filters(org, admin):
    def count(**query) -> int:
        return admin.get("/api/v1/assignments/", query).json()["count"]

    assert count() == 3
    assert count(subscription=org.s.pk) == 2
    assert count(product="OFFICESERIES_E3") == 2
    assert count(product=str(org.visio.sku_id)) == 1
    assert count(user=org.adele.pk) == 0
    assert count(user=org.alex.pk, subscription=org.t.pk) == 1


def test_assignment_post_is_201_then_200(org, admin):
    body = {"user": org.adele.pk, "subscription": org.s.pk, "product": str(org.e3.sku_id)}
    first = admin.post("/api/v1/assignments/", body, format="json")
    assert first.status_code == 201
    assert first.json()["user"]["id"] == org.adele.pk
    assert first.json()["assigned_by"]["email"] == "gloria.admin@contoso.test"
    again = admin.post("/api/v1/assignments/", body, format="json")
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]


def test_assignment_post_for_an_unknown_user_is_not_found(org, admin):
    body = {"user": 999999, "subscription": org.s.pk, "product": "OFFICESERIES_E3"}
    response = admin.post("/api/v1/assignments/", body, format="json")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_assignment_delete_frees_the_license(org, admin):
    assignment = org.assignment(org.alex, org.pool_e3)
    assert admin.delete(f"/api/v1/assignments/{assignment.pk}/").status_code == 204
    assert not LicenseAssignment.objects.filter(pk=assignment.pk).exists()
    org.pool_e3.refresh_from_db()
    assert org.pool_e3.assigned == 0
    assert admin.delete(f"/api/v1/assignments/{assignment.pk}/").status_code == 404


def test_user_create_and_update(org):
    client = bearer_client(org.users["user_admin"])
    response = client.post(
        "/api/v1/users/",
        {"email": "Megan.Bowen@Contoso.example", "display_name": "Megan Bowen", "usage_location": "GB"},
        format="json",
    )
    assert response.status_code == 201
    created = response.json()
    assert (created["email"], created["is_active"], created["licenses"]) == ("megan.bowen@contoso.example", True, [])
    response = client.patch(f"/api/v1/users/{created['id']}/", {"is_active": False, "job_title": "CFO"}, format="json")
    assert response.status_code == 200
    assert (response.json()["is_active"], response.json()["job_title"]) == (False, "CFO")
    assert [event.source for event in AuditEvent.objects.filter(subject_user_id=created["id"])] == [Source.API] * 2


@pytest.mark.parametrize("body", [{"is_active": False}, {"display_name": "Locked Out"}])
def test_a_user_admin_may_not_disable_or_rename_a_global_admin(org, body):
    global_admin = org.users["global_admin"]

    response = bearer_client(org.users["user_admin"]).patch(f"/api/v1/users/{global_admin.pk}/", body, format="json")

    assert response.status_code == 403
    assert error_of(response)["code"] == "permission_denied"
    global_admin.refresh_from_db()
    assert global_admin.is_active and global_admin.display_name != "Locked Out"
    assert not AuditEvent.objects.filter(action="user_updated").exists()


def test_the_last_global_admin_may_not_disable_themselves(org, admin):
    global_admin = org.users["global_admin"]

    response = admin.patch(f"/api/v1/users/{global_admin.pk}/", {"is_active": False}, format="json")

    assert response.status_code == 403
    assert "last active Global Administrator" in error_of(response)["message"]
    global_admin.refresh_from_db()
    assert global_admin.is_active


def test_put_on_a_user_is_not_allowed(org, admin):
    assert admin.put(f"/api/v1/users/{org.adele.pk}/", {}, format="json").status_code == 405


def test_audit_events_filters(org, admin):
    admin.post(
        f"/api/v1/users/{org.adele.pk}/licenses/",
        {"subscription": org.s.pk, "add": ["OFFICESERIES_E3"]},
        format="json",
    )
    results = admin.get("/api/v1/audit-events/", {"source": "api"}).json()["results"]
    assert [(event["action"], event["subject_user"], event["product"]) for event in results] == [
        ("license_assigned", org.adele.pk, str(org.e3.sku_id))
    ]
    assert admin.get("/api/v1/audit-events/", {"subscription": org.t.pk}).json()["count"] == 1
    assert admin.get("/api/v1/audit-events/", {"action": "no_such_action"}).status_code == 400


def test_audit_events_filter_with_an_out_of_range_subscription_is_a_validation_error(org, admin):
    response = admin.get("/api/v1/audit-events/", {"subscription": "99999999999999999999"})
    assert response.status_code == 400
    assert "subscription" in error_of(response)["details"]["fields"]


def test_the_api_answers_an_invalid_domain_with_a_validation_error(org):
    response = bearer_client(org.users["user_admin"]).post("/api/v1/users/", {"email": "a@☃.example"}, format="json")

    assert response.status_code == 400
    assert error_of(response)["code"] == "validation_error"
    assert not User.objects.filter(email__startswith="a@").exists()


def test_the_api_creates_with_the_unicode_form_and_filters_by_it(org):
    client = bearer_client(org.users["user_admin"])

    created = client.post("/api/v1/users/", {"email": "admin@contosö.example"}, format="json")
    again = client.post("/api/v1/users/", {"email": "admin@xn--contos-1xa.example"}, format="json")

    assert created.status_code == 201
    assert created.json()["email"] == "admin@xn--contos-1xa.example"
    assert (again.status_code, error_of(again)["code"]) == (400, "validation_error")
    for query in ("admin@contosö.example", "contosö", "admin@xn--contos-1xa.example"):
        found = client.get("/api/v1/users/", {"q": query}).json()["results"]
        assert [user["email"] for user in found] == ["admin@xn--contos-1xa.example"], query
    events = bearer_client(org.users["global_admin"]).get("/api/v1/audit-events/", {"user": "contosö"})
    assert [event["action"] for event in events.json()["results"]] == ["user_created"]


def test_a_user_says_when_a_disabled_accounts_licenses_are_reclaimed(org, admin, settings):
    settings.LICENSE_RECLAIM_GRACE_DAYS = 30
    admin.patch(f"/api/v1/users/{org.alex.pk}/", {"is_active": False}, format="json")
    User.objects.filter(pk=org.alex.pk).update(disabled_at="2026-11-29T21:30:00Z")
    users = {user["email"]: user for user in admin.get("/api/v1/users/").json()["results"]}
    assert users[org.alex.email]["licenses_reclaimed_on"] == "2026-12-29"
    assert users[org.adele.email]["licenses_reclaimed_on"] is None
    assert admin.get(f"/api/v1/users/{org.alex.pk}/").json()["licenses_reclaimed_on"] == "2026-12-29"
    User.objects.filter(pk=org.alex.pk).update(licenses_reclaimed_at="2026-12-30T02:00:00Z")
    assert admin.get(f"/api/v1/users/{org.alex.pk}/").json()["licenses_reclaimed_on"] == "2026-12-30"
