"""Group licenses over the API: groups/{id}/licenses/ (GET, POST with If-Match), each user license's state,
reason and sources in users/{id}/licenses/ and users/, and license_inherited (409) wherever a license is removed
from a user directly."""

import pytest

from accounts.models import Group
from accounts.services.groups import group_members_change
from core.audit import Actor
from core.choices import AuditAction, Source
from core.models import AuditEvent
from licensing.choices import SubscriptionStatus
from licensing.models import GroupLicense, LicenseAssignment, PendingLicense
from licensing.selectors.groups import group_licenses_version
from licensing.services.group_licenses import group_licenses_change
from licensing.services.subscriptions import subscription_set_status
from tests.api.conftest import bearer_client, error_of
from tests.factories import GroupFactory

OPERATOR = Actor(None, Source.CLI)


@pytest.fixture
def sales(org) -> Group:
    """An assigned group of Adele and the member, holding nothing yet."""
    group = GroupFactory(name="Sales")
    group_members_change(group=group, add=[org.adele, org.users["member"]], by=OPERATOR)
    return group


def url(group: Group) -> str:
    return f"/api/v1/groups/{group.pk}/licenses/"


def user_url(user) -> str:
    return f"/api/v1/users/{user.pk}/licenses/"


def give(group: Group, subscription, *products) -> None:
    group_licenses_change(group=group, subscription=subscription, add=list(products), by=OPERATOR)


def change(client, group: Group, subscription, add=(), remove=(), **headers):
    body = {"subscription": subscription.pk, "add": list(add), "remove": list(remove)}
    return client.post(url(group), body, format="json", **headers)


def skus(body: dict) -> list[tuple[str, str]]:
    return [(entry["subscription"]["name"], entry["product"]["sku_part_number"]) for entry in body["licenses"]]


def license_of(body: dict, subscription, sku: str) -> dict:
    [entry] = [
        entry
        for entry in body["licenses"]
        if (entry["subscription"]["id"], entry["product"]["sku_part_number"]) == (subscription.pk, sku)
    ]
    return entry


# --- groups/{id}/licenses/ ------------------------------------------------------------------------------------


def test_get_lists_the_groups_pools_with_their_counters_and_its_members(org, sales, client_as):
    give(sales, org.s, org.e3)
    response = client_as("global_admin").get(url(sales))
    assert response.status_code == 200
    assert response["ETag"] == group_licenses_version(sales)
    body = response.json()
    assert body["group"] == {"id": sales.pk, "name": "Sales"}
    assert body["licenses"] == [
        {
            "pool": org.pool_e3.pk,
            "subscription": {"id": org.s.pk, "name": "Contoso Enterprise", "status": "active"},
            "product": {"sku_id": str(org.e3.sku_id), "sku_part_number": "OFFICESERIES_E3", "name": "OfficeSeries E3"},
            "quantity": 20,
            "assigned": 3,  # Alex, and the group's two members
            "available": 17,
            "waiting": 0,
            "reason": None,
            "members_holding": 2,
            "members_waiting": 0,
            "disabled_plans": [],
            "added_at": body["licenses"][0]["added_at"],
        }
    ]


def test_a_subscription_administrator_sees_only_the_pools_of_their_subscription(org, sales, client_as):
    give(sales, org.s, org.e5)
    give(sales, org.t, org.e3)
    assert skus(client_as("global_admin").get(url(sales)).json()) == [
        ("Contoso Enterprise", "OFFICESERIES_E5"),
        ("Fabrikam Research", "OFFICESERIES_E3"),
    ]
    assert skus(client_as("subscription_admin").get(url(sales)).json()) == [("Contoso Enterprise", "OFFICESERIES_E5")]


def test_post_gives_every_member_the_product_in_one_audited_change(org, sales, client_as):
    response = change(client_as("user_admin"), sales, org.s, add=["OFFICESERIES_E3", str(org.e5.sku_id)])
    assert response.status_code == 200, response.content
    assert skus(response.json()) == [
        ("Contoso Enterprise", "OFFICESERIES_E3"),
        ("Contoso Enterprise", "OFFICESERIES_E5"),
    ]
    assert response["ETag"] == group_licenses_version(sales)
    assert org.held(org.adele) == org.held(org.users["member"]) == {"OfficeSeries E3", "OfficeSeries E5"}
    added = AuditEvent.objects.filter(action=AuditAction.GROUP_LICENSE_ADDED)
    assert {(event.source, event.actor_label, event.details["group"]) for event in added} == {
        (Source.API, "uma.useradmin@contoso.test", "Sales")
    }
    assert added.count() == 2


def test_post_removes_a_product_from_the_members_who_have_no_other_source(org, sales, client_as):
    give(sales, org.s, org.e3)
    client = client_as("global_admin")
    client.post(user_url(org.adele), {"subscription": org.s.pk, "add": ["OFFICESERIES_E3"]}, format="json")
    response = change(client, sales, org.s, remove=["OFFICESERIES_E3"])
    assert response.status_code == 200
    assert response.json()["licenses"] == []
    assert org.held(org.adele) == {"OfficeSeries E3"}  # her direct assignment stays
    assert org.held(org.users["member"]) == set()


def test_members_wait_when_the_pool_runs_out_and_the_answer_says_why(org, sales, client_as):
    response = change(client_as("global_admin"), sales, org.s, add=["VISIO_P2"])  # Henrietta holds the only one
    assert response.status_code == 200  # never an error: the members wait in line
    visio = license_of(response.json(), org.s, "VISIO_P2")
    assert (visio["available"], visio["waiting"], visio["reason"]) == (0, 2, "not_enough_licenses")
    assert (visio["members_holding"], visio["members_waiting"]) == (0, 2)
    assert PendingLicense.objects.filter(pool=org.pool_visio).count() == 2


def test_adding_what_the_group_holds_changes_nothing(org, sales, client_as):
    give(sales, org.s, org.e3)
    client = client_as("global_admin")
    events = AuditEvent.objects.count()
    response = change(client, sales, org.s, add=["OFFICESERIES_E3"])
    assert response.status_code == 200
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"add": ["OFFICESERIES_E3"]}, 400, "validation_error"),  # no subscription
        ({"subscription": "x", "add": []}, 400, "validation_error"),
        ({"subscription": "S", "add": ["OFFICESERIES_E3"], "remove": ["OFFICESERIES_E3"]}, 400, "validation_error"),
        ({"subscription": "S", "add": ["OFFICESERIES_E3", "NO_SUCH_SKU"]}, 404, "not_found"),
        ({"subscription": 999999, "add": ["OFFICESERIES_E3"]}, 404, "not_found"),
        ({"subscription": "T", "add": ["OFFICESERIES_E3", "VISIO_P2"]}, 400, "product_not_in_subscription"),
    ],
)
def test_a_refused_change_changes_nothing(org, sales, client_as, body, status, code):
    if body.get("subscription") in ("S", "T"):
        body = {**body, "subscription": {"S": org.s.pk, "T": org.t.pk}[body["subscription"]]}
    client = client_as("global_admin")
    events = AuditEvent.objects.count()
    response = client.post(url(sales), body, format="json")
    assert response.status_code == status, response.content
    assert error_of(response)["code"] == code
    assert not GroupLicense.objects.filter(group=sales).exists()
    assert AuditEvent.objects.count() == events


def test_if_match_refuses_a_change_built_on_a_stale_read(org, sales, client_as):
    client = client_as("global_admin")
    etag = client.get(url(sales))["ETag"]
    give(sales, org.s, org.e5)  # meanwhile, someone else
    response = change(client, sales, org.s, add=["OFFICESERIES_E3"], HTTP_IF_MATCH=etag)
    assert response.status_code == 412
    error = error_of(response)
    assert (error["code"], error["details"]["etag"]) == ("precondition_failed", group_licenses_version(sales))
    assert org.held(org.adele) == {"OfficeSeries E5"}
    response = change(client, sales, org.s, add=["OFFICESERIES_E3"], HTTP_IF_MATCH=error["details"]["etag"])
    assert response.status_code == 200
    assert response["ETag"] == client.get(url(sales))["ETag"] != etag


def test_whoever_may_assign_in_the_subscription_changes_a_groups_licenses_there(
    org, sales, client_as, out_of_scope_admin
):
    assert change(client_as("subscription_admin"), sales, org.s, add=["OFFICESERIES_E5"]).status_code == 200
    response = change(client_as("subscription_admin"), sales, org.t, add=["OFFICESERIES_E3"])
    assert (response.status_code, error_of(response)["code"]) == (404, "not_found")  # outside their scope
    response = change(client_as("member"), sales, org.s, add=["OFFICESERIES_E3"])
    assert (response.status_code, error_of(response)["code"]) == (403, "permission_denied")
    assert skus(client_as("global_admin").get(url(sales)).json()) == [("Contoso Enterprise", "OFFICESERIES_E5")]


def test_an_unknown_group_is_not_found(client_as):
    response = client_as("global_admin").get("/api/v1/groups/999999/licenses/")
    assert (response.status_code, error_of(response)["code"]) == (404, "not_found")


# --- a user's licenses: state, reason, sources ---------------------------------------------------------------


def test_a_users_licenses_say_where_they_come_from(org, sales, client_as):
    give(sales, org.s, org.e3)
    client = client_as("global_admin")
    client.post(user_url(org.adele), {"subscription": org.s.pk, "add": ["OFFICESERIES_E3"]}, format="json")
    both = license_of(client.get(user_url(org.adele)).json(), org.s, "OFFICESERIES_E3")
    assert both["id"] == org.assignment(org.adele, org.pool_e3).pk
    assert (both["state"], both["reason"], both["waiting_since"]) == ("active", None, None)
    assert both["sources"] == {
        "direct": True,
        "direct_disabled_plans": [],
        "groups": [{"id": sales.pk, "name": "Sales", "disabled_plans": []}],
    }
    member = license_of(client.get(user_url(org.users["member"])).json(), org.s, "OFFICESERIES_E3")
    assert member["sources"] == {
        "direct": False,
        "direct_disabled_plans": [],
        "groups": [{"id": sales.pk, "name": "Sales", "disabled_plans": []}],
    }
    assert member["assigned_by"] is None  # the system, following the membership
    direct = license_of(client.get(user_url(org.alex)).json(), org.s, "OFFICESERIES_E3")
    assert direct["sources"] == {"direct": True, "direct_disabled_plans": [], "groups": []}


def test_a_license_waited_for_is_listed_as_pending_with_its_reason(org, sales, client_as):
    give(sales, org.s, org.visio)
    client = client_as("subscription_admin")
    pending = license_of(client.get(user_url(org.adele)).json(), org.s, "VISIO_P2")
    assert (pending["id"], pending["state"], pending["reason"]) == (None, "pending", "not_enough_licenses")
    assert (pending["assigned_at"], pending["assigned_by"]) == (None, None)
    assert pending["waiting_since"]
    assert pending["sources"] == {
        "direct": False,
        "direct_disabled_plans": [],
        "groups": [{"id": sales.pk, "name": "Sales", "disabled_plans": []}],
    }
    subscription_set_status(subscription=org.s, status=SubscriptionStatus.SUSPENDED, by=OPERATOR)
    pending = license_of(client.get(user_url(org.adele)).json(), org.s, "VISIO_P2")
    assert pending["reason"] == "subscription_not_active"


def test_a_place_in_a_line_outside_the_callers_scope_is_not_listed(org, client_as, out_of_scope_admin):
    group = GroupFactory(name="Contoso team")
    group_members_change(group=group, add=[org.adele], by=OPERATOR)
    give(group, org.s, org.visio)
    assert client_as("global_admin").get(user_url(org.adele)).json()["licenses"][0]["state"] == "pending"
    client = bearer_client(out_of_scope_admin)
    assert client.get(user_url(org.adele)).json()["licenses"] == []


def test_the_etag_changes_when_the_user_joins_a_line(org, sales, client_as):
    give(sales, org.s, org.visio)
    client = client_as("global_admin")
    etag = client.get(user_url(org.henrietta))["ETag"]
    group_members_change(group=sales, add=[org.henrietta], by=OPERATOR)  # she holds Visio: no change
    assert client.get(user_url(org.henrietta))["ETag"] == etag
    etag = client.get(user_url(org.alex))["ETag"]
    group_members_change(group=sales, add=[org.alex], by=OPERATOR)  # Alex joins the line for Visio
    assert client.get(user_url(org.alex))["ETag"] != etag
    body = {"subscription": org.s.pk, "add": ["OFFICESERIES_E5"]}
    response = client.post(user_url(org.alex), body, format="json", HTTP_IF_MATCH=etag)
    assert (response.status_code, error_of(response)["code"]) == (412, "precondition_failed")
    assert org.held(org.alex) == {"OfficeSeries E3"}


def test_the_users_list_gives_each_license_its_state_and_sources(org, sales, client_as):
    give(sales, org.s, org.e3, org.visio)
    users = client_as("subscription_admin").get("/api/v1/users/", {"q": "adele"}).json()["results"]
    [adele] = users
    assert [(entry["product"]["sku_part_number"], entry["state"], entry["reason"]) for entry in adele["licenses"]] == [
        ("OFFICESERIES_E3", "active", None),
        ("VISIO_P2", "pending", "not_enough_licenses"),
    ]
    assert {entry["sources"]["groups"][0]["name"] for entry in adele["licenses"]} == {"Sales"}
    assert client_as("subscription_admin").get(f"/api/v1/users/{org.adele.pk}/").json() == adele


# --- license_inherited --------------------------------------------------------------------------------------


@pytest.fixture
def inherited(org, sales) -> LicenseAssignment:
    """Adele's E3 in S, which she has only from Sales."""
    give(sales, org.s, org.e3)
    return org.assignment(org.adele, org.pool_e3)


def assert_inherited_refused(response, sales) -> None:
    assert response.status_code == 409, response.content
    error = error_of(response)
    assert error["code"] == "license_inherited"
    assert error["details"] == {
        "sku": "OFFICESERIES_E3",
        "user": "adele.vance@contoso.test",
        "groups": [{"id": sales.pk, "name": "Sales"}],
    }
    assert "Sales" in error["message"]


def test_removing_an_inherited_license_from_the_user_is_refused_and_changes_nothing(org, sales, inherited, client_as):
    client = client_as("global_admin")
    events = AuditEvent.objects.count()
    etag = client.get(user_url(org.adele))["ETag"]
    body = {"subscription": org.s.pk, "add": ["OFFICESERIES_E5"], "remove": ["OFFICESERIES_E3"]}
    assert_inherited_refused(client.post(user_url(org.adele), body, format="json"), sales)
    assert_inherited_refused(client.delete(f"/api/v1/assignments/{inherited.pk}/"), sales)
    assert org.held(org.adele) == {"OfficeSeries E3"}
    assert org.pool(org.pool_e3).assigned == 3
    assert AuditEvent.objects.count() == events
    assert client.get(user_url(org.adele))["ETag"] == etag


def test_setting_a_users_direct_licenses_keeps_the_inherited_ones(org, sales, inherited, client_as):
    response = client_as("global_admin").put(
        user_url(org.adele), {"subscription": org.s.pk, "products": []}, format="json"
    )
    assert response.status_code == 200
    entry = license_of(response.json(), org.s, "OFFICESERIES_E3")
    assert entry["sources"] == {
        "direct": False,
        "direct_disabled_plans": [],
        "groups": [{"id": sales.pk, "name": "Sales", "disabled_plans": []}],
    }


def test_removing_the_direct_source_of_a_license_also_inherited_keeps_it(org, sales, inherited, client_as):
    client = client_as("global_admin")
    client.post(user_url(org.adele), {"subscription": org.s.pk, "add": ["OFFICESERIES_E3"]}, format="json")
    response = client.delete(f"/api/v1/assignments/{inherited.pk}/")
    assert response.status_code == 204
    assert LicenseAssignment.objects.get(pk=inherited.pk).direct is False
    assert AuditEvent.objects.filter(action=AuditAction.LICENSE_DIRECT_REMOVED, subject_user=org.adele).exists()
