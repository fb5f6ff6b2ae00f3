"""POST users/{id}/assignLicense and groups/{id}/assignLicense: one atomic change through the services, audited
with source graph, in the caller's scope, Graph's errors, at a fixed number of queries."""

import pytest

from core.models import AuditEvent
from licensing.models import GroupLicense, LicenseAssignment
from tests.api.conftest import bearer_client
from tests.world import write_statements

from .conftest import GRAPH, graph_error


def assign(client, user, add=(), remove=(), **body):
    payload = {"addLicenses": list(add), "removeLicenses": [str(sku) for sku in remove], **body}
    return client.post(f"{GRAPH}/users/{user.public_id}/assignLicense", payload, format="json")


def test_assign_with_a_disabled_plan_then_remove(org, graph):
    teams = str(org.plans["TEAMS1"].service_plan_id)
    response = assign(graph, org.adele, add=[{"skuId": str(org.e5.sku_id), "disabledPlans": [teams]}])
    assert response.status_code == 200, response.content[:400]
    user = response.json()
    assert user["id"] == str(org.adele.public_id)
    assert user["assignedLicenses"] == [{"skuId": str(org.e5.sku_id), "disabledPlans": [teams]}]
    assert teams not in {plan["servicePlanId"] for plan in user["assignedPlans"]}
    assert len(user["assignedPlans"]) == 3  # E5's four plans less Teams
    details = graph.get(f"{GRAPH}/users/{org.adele.public_id}/licenseDetails").json()["value"][0]
    assert {plan["servicePlanName"]: plan["provisioningStatus"] for plan in details["servicePlans"]}["TEAMS1"] == (
        "Disabled"
    )
    event = AuditEvent.objects.get(subject_user=org.adele, action="license_assigned")
    assert (event.source, event.actor) == ("graph", org.users["global_admin"])

    response = assign(graph, org.adele, remove=[org.e5.sku_id])
    assert response.json()["assignedLicenses"] == []
    assert org.pool(org.pool_e5).assigned == 0


def test_adding_a_held_license_again_sets_its_plans_exactly(org, graph):
    teams = str(org.plans["TEAMS1"].service_plan_id)
    assign(graph, org.alex, add=[{"skuId": str(org.e3.sku_id), "disabledPlans": [teams]}])
    assert org.assignment(org.alex, org.pool_e3).disabled_plans == [teams]
    assign(graph, org.alex, add=[{"skuId": str(org.e3.sku_id)}])  # no disabledPlans: every plan on
    assert org.assignment(org.alex, org.pool_e3).disabled_plans == []
    assert org.pool(org.pool_e3).assigned == 1


def test_no_available_licenses_is_grahs_bad_request(org, graph):
    error = graph_error(assign(graph, org.adele, add=[{"skuId": str(org.visio.sku_id)}]), 400, "Request_BadRequest")
    assert error["message"] == f"Subscription with SKU {org.visio.sku_id} does not have any available licenses."
    assert error["innerError"]["code"] == "not_enough_licenses"


def test_one_refusal_undoes_the_whole_change(org, graph):
    body = [{"skuId": str(org.e5.sku_id)}, {"skuId": str(org.visio.sku_id)}]
    graph_error(assign(graph, org.adele, add=body), 400, "Request_BadRequest")
    assert not LicenseAssignment.objects.filter(user=org.adele).exists()


@pytest.mark.parametrize(
    "body",
    [
        {"addLicenses": [{"skuId": "not-a-guid"}]},
        {"addLicenses": "E5"},
        {"removeLicenses": [{"skuId": "x"}]},
        {"addLicenses": [{"skuId": "6fd2c87f-b296-42f0-b197-1e91e994b900"}]},  # no such product
        {"addLicenses": [{"disabledPlans": []}]},
    ],
)
def test_malformed_or_unknown_is_a_bad_request(org, graph, body):
    response = graph.post(f"{GRAPH}/users/{org.adele.public_id}/assignLicense", body, format="json")
    graph_error(response, 400, "Request_BadRequest")


def test_a_malformed_body_says_where(org, graph):
    body = {"addLicenses": [{"skuId": "E5"}]}
    response = graph.post(f"{GRAPH}/users/{org.adele.public_id}/assignLicense", body, format="json")
    assert graph_error(response, 400, "Request_BadRequest")["message"] == "addLicenses.0.skuId: Must be a valid UUID."


def test_a_plan_not_in_the_product_is_a_bad_request(org, graph):
    phone = str(org.plans["MCOEV"].service_plan_id)  # E5's, not E3's
    response = assign(graph, org.adele, add=[{"skuId": str(org.e3.sku_id), "disabledPlans": [phone]}])
    assert graph_error(response, 400, "Request_BadRequest")["innerError"]["code"] == "validation_error"


def test_removing_a_license_held_only_from_a_group_is_a_bad_request(org, graph, sales):
    response = assign(graph, org.adele, remove=[org.e5.sku_id])
    assert graph_error(response, 400, "Request_BadRequest")["innerError"]["code"] == "license_inherited"


def test_a_subscription_administrator_assigns_in_their_subscription_only(org, out_of_scope_admin):
    # T's administrator has no pool of E5 (S's only): no license available to them.
    graph_error(
        assign(bearer_client(out_of_scope_admin), org.adele, add=[{"skuId": str(org.e5.sku_id)}]),
        400,
        "Request_BadRequest",
    )
    # S's administrator removes Alex's E3 in S, never the one in T they cannot see.
    assign(bearer_client(org.users["subscription_admin"]), org.alex, remove=[org.e3.sku_id])
    assert org.held(org.alex) == set() and org.held(org.alex, org.t) == {"OfficeSeries E3"}


def test_a_member_without_a_role_is_denied(org, graph_as):
    graph_error(
        assign(graph_as("member"), org.adele, add=[{"skuId": str(org.e5.sku_id)}]), 403, "Authorization_RequestDenied"
    )


def test_assign_license_query_count(org, django_assert_num_queries):
    graph = bearer_client(org.users["global_admin"])
    graph.get(f"{GRAPH}/me")  # the token's first use is written once
    # The token with its admin's roles; the service (between two savepoints; no plans named, so none read): the
    # user named, read under their lock, the product's pools (found by its sku id) locked, then read with the
    # user's licenses of them, the writes (insert, counter with the status check, audit); the answer: the licenses
    # held and waited for with their group sources, products and plans (one UNION).
    with django_assert_num_queries(7 + write_statements(3)):
        response = assign(graph, org.adele, add=[{"skuId": str(org.e5.sku_id), "disabledPlans": []}])
    assert response.status_code == 200


def test_a_plan_named_off_costs_no_query_of_its_own(org, django_assert_num_queries):
    """The plans named are checked against the products' plans read with their pools."""
    graph = bearer_client(org.users["global_admin"])
    graph.get(f"{GRAPH}/me")
    teams = str(org.plans["TEAMS1"].service_plan_id)
    with django_assert_num_queries(7 + write_statements(3)):
        response = assign(graph, org.adele, add=[{"skuId": str(org.e5.sku_id), "disabledPlans": [teams]}])
    assert response.status_code == 200
    assert response.json()["assignedLicenses"] == [{"skuId": str(org.e5.sku_id), "disabledPlans": [teams]}]


def test_group_assign_license_and_its_members(org, graph, sales):
    teams = str(org.plans["TEAMS1"].service_plan_id)
    response = graph.post(
        f"{GRAPH}/groups/{sales.public_id}/assignLicense",
        {
            "addLicenses": [{"skuId": str(org.e3.sku_id), "disabledPlans": [teams]}],
            "removeLicenses": [str(org.e5.sku_id)],
        },
        format="json",
    )
    assert response.status_code == 200, response.content[:400]
    assert response.json()["assignedLicenses"] == [{"skuId": str(org.e3.sku_id), "disabledPlans": [teams]}]
    assert list(GroupLicense.objects.filter(group=sales).values_list("pool_id", flat=True)) == [org.pool_e3.pk]
    adele = graph.get(f"{GRAPH}/users/{org.adele.public_id}").json()
    assert adele["assignedLicenses"] == [{"skuId": str(org.e3.sku_id), "disabledPlans": [teams]}]
    assert AuditEvent.objects.filter(action="group_license_added", source="graph").count() == 1
