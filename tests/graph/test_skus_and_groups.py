"""GET subscribedSkus (and /{id}): one entry per product over the subscriptions the caller may see; GET groups,
groups/{id} and groups/{id}/members."""

from django.conf import settings

from core.audit import SYSTEM
from licensing.services.subscriptions import subscription_set_status
from tests.api.conftest import bearer_client

from .conftest import GRAPH, graph_error


def skus_of(client) -> dict[str, dict]:
    return {sku["skuPartNumber"]: sku for sku in client.get(f"{GRAPH}/subscribedSkus").json()["value"]}


def test_a_product_is_summed_over_its_subscriptions(org, graph):
    e3 = skus_of(graph)["OFFICESERIES_E3"]
    assert e3["id"] == f"{settings.GRAPH_ACCOUNT_ID}_{org.e3.sku_id}"
    assert e3["skuId"] == str(org.e3.sku_id)
    assert e3["consumedUnits"] == 2  # Alex in S and in T
    assert e3["prepaidUnits"] == {"enabled": 27, "warning": 0, "suspended": 0, "lockedOut": 0}
    assert sorted(e3["subscriptionIds"]) == sorted([str(org.s.pk), str(org.t.pk)])
    assert (e3["appliesTo"], e3["capabilityStatus"], e3["accountName"]) == ("User", "Enabled", "OfficeSeries")
    assert {plan["servicePlanName"] for plan in e3["servicePlans"]} == {
        "EXCHANGE_S_ENTERPRISE",
        "TEAMS1",
        "SHAREPOINTENTERPRISE",
    }


def test_units_and_capability_follow_the_subscriptions_status(org, graph):
    subscription_set_status(by=SYSTEM, subscription=org.t, status="warning")
    e3 = skus_of(graph)["OFFICESERIES_E3"]
    assert e3["prepaidUnits"] == {"enabled": 20, "warning": 7, "suspended": 0, "lockedOut": 0}
    assert e3["capabilityStatus"] == "Enabled"
    subscription_set_status(by=SYSTEM, subscription=org.s, status="suspended")
    assert skus_of(graph)["OFFICESERIES_E3"]["capabilityStatus"] == "Warning"
    assert skus_of(graph)["OFFICESERIES_E5"]["capabilityStatus"] == "Suspended"


def test_a_subscription_administrator_sees_their_subscriptions_only(org, out_of_scope_admin):
    assert set(skus_of(bearer_client(out_of_scope_admin))) == {"OFFICESERIES_E3"}
    assert skus_of(bearer_client(out_of_scope_admin))["OFFICESERIES_E3"]["prepaidUnits"]["enabled"] == 7
    assert set(skus_of(bearer_client(org.users["subscription_admin"]))) == {
        "OFFICESERIES_E3",
        "OFFICESERIES_E5",
        "VISIO_P2",
    }


def test_one_sku_and_select(org, graph):
    sku_id = f"{settings.GRAPH_ACCOUNT_ID}_{org.e5.sku_id}"
    body = graph.get(f"{GRAPH}/subscribedSkus/{sku_id}?$select=skuPartNumber,consumedUnits").json()
    assert {key: value for key, value in body.items() if not key.startswith("@")} == {
        "skuPartNumber": "OFFICESERIES_E5",
        "consumedUnits": 0,
    }
    graph_error(graph.get(f"{GRAPH}/subscribedSkus/{org.e5.sku_id}"), 404, "Request_ResourceNotFound")
    graph_error(graph.get(f"{GRAPH}/subscribedSkus?$select=nope"), 400, "Request_BadRequest")
    graph_error(graph.get(f"{GRAPH}/subscribedSkus?$filter=x"), 400, "Request_UnsupportedQuery")


def test_groups_group_and_members(org, graph, sales):
    [group] = graph.get(f"{GRAPH}/groups").json()["value"]
    assert group["id"] == str(sales.public_id)
    assert group["displayName"] == "Sales team" and group["groupTypes"] == []
    assert group["assignedLicenses"] == [{"skuId": str(org.e5.sku_id), "disabledPlans": []}]
    assert graph.get(f"{GRAPH}/groups/{sales.public_id}").json()["id"] == group["id"]
    members = graph.get(f"{GRAPH}/groups/{sales.public_id}/members?$top=1").json()
    assert members["value"][0]["@odata.type"] == "#microsoft.graph.user"
    rest = graph.get(members["@odata.nextLink"].removeprefix("http://testserver")).json()
    assert {members["value"][0]["displayName"], rest["value"][0]["displayName"]} == {
        "Adele Vance",
        "Henrietta Mueller",
    }
    graph_error(graph.get(f"{GRAPH}/groups/not-a-guid"), 404, "Request_ResourceNotFound")


def test_a_groups_licenses_outside_the_readers_scope_are_not_shown(org, sales, out_of_scope_admin):
    [group] = bearer_client(out_of_scope_admin).get(f"{GRAPH}/groups").json()["value"]
    assert group["assignedLicenses"] == []
