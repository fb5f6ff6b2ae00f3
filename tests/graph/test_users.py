"""GET users (paging, $top, $count, $select), users/{id | userPrincipalName}, me and licenseDetails: what they
show, in whose scope, at how many queries."""

from urllib.parse import parse_qs, quote, urlsplit

import pytest

from accounts.models import User
from accounts.services.groups import group_create, group_members_change
from core.audit import SYSTEM
from licensing.services.assignments import user_licenses_change
from licensing.services.group_licenses import group_licenses_change
from tests.api.conftest import bearer_client
from tests.factories import UserFactory

from .conftest import GRAPH, graph_error

PEOPLE = 7  # tests/world.py: Adele, Alex, Henrietta, and one user of each of the four roles


def test_pages_follow_the_next_link_to_the_end(org, graph):
    UserFactory.create_batch(5)
    response = graph.get(
        f"{GRAPH}/users?$top=3&$count=true&$select=id,displayName", headers={"ConsistencyLevel": "eventual"}
    )
    body = response.json()
    assert body["@odata.count"] == PEOPLE + 5
    seen = [user["id"] for user in body["value"]]
    while "@odata.nextLink" in body:
        link = urlsplit(body["@odata.nextLink"])
        assert link.scheme == "http" and link.netloc == "testserver", "an absolute URL"
        # The whole query travels in the link: a page iterator sends nothing else (no header either).
        assert parse_qs(link.query)["$select"] == ["id,displayName"]
        assert parse_qs(link.query)["$top"] == ["3"]
        body = graph.get(f"{link.path}?{link.query}").json()
        assert body["@odata.count"] == PEOPLE + 5
        assert len(body["value"]) <= 3
        seen += [user["id"] for user in body["value"]]
    assert len(seen) == len(set(seen)) == PEOPLE + 5


def test_the_next_link_keeps_the_filter(org, graph):
    UserFactory.create_batch(3, department="Marketing")
    marketing = quote("department eq 'Marketing'")
    body = graph.get(f"{GRAPH}/users?$top=2&$filter={marketing}").json()
    assert len(body["value"]) == 2
    rest = graph.get(body["@odata.nextLink"].removeprefix("http://testserver")).json()
    assert len(rest["value"]) == 2 and "@odata.nextLink" not in rest
    assert {user["department"] for user in body["value"] + rest["value"]} == {"Marketing"}


def test_default_page_is_100_and_top_goes_to_999(org, graph):
    UserFactory.create_batch(100)
    assert len(graph.get(f"{GRAPH}/users?$select=id").json()["value"]) == 100
    assert len(graph.get(f"{GRAPH}/users?$select=id&$top=999").json()["value"]) == 100 + PEOPLE


@pytest.mark.parametrize(
    "query",
    [
        "$top=0",
        "$top=1000",
        "$top=x",
        "$count=maybe",
        "$skiptoken=abc",
        "$orderby=displayName",
        "$search=%22displayName:a%22",
        "$expand=manager",
        "$select=password",
        "$select=",
    ],
)
def test_query_options_outside_the_subset_are_a_400(graph, query):
    response = graph.get(f"{GRAPH}/users?{query}")
    assert response.status_code == 400, response.content[:300]
    assert response.json()["error"]["code"] in {"Request_BadRequest", "Request_UnsupportedQuery"}


def test_select_lists_only_the_properties_asked_for(org, graph):
    body = graph.get(f"{GRAPH}/users/{org.alex.public_id}?$select=displayName,assignedLicenses").json()
    assert set(body) == {"@odata.context", "displayName", "assignedLicenses"}
    assert body["assignedLicenses"] == [{"skuId": str(org.e3.sku_id), "disabledPlans": []}]


def test_a_user_by_id_by_principal_name_and_me(org, graph):
    by_id = graph.get(f"{GRAPH}/users/{org.alex.public_id}").json()
    by_name = graph.get(f"{GRAPH}/users/{quote('ALEX.Wilber@contoso.test', safe='')}").json()
    assert by_id == by_name
    assert by_id["userPrincipalName"] == by_id["mail"] == "alex.wilber@contoso.test"
    assert by_id["id"] == str(org.alex.public_id)
    assert by_id["accountEnabled"] is True and by_id["department"] == "Marketing"
    assert graph.get(f"{GRAPH}/me").json()["id"] == str(org.users["global_admin"].public_id)


def test_an_unknown_user_is_a_404(graph):
    graph_error(graph.get(f"{GRAPH}/users/nobody%40contoso.test"), 404, "Request_ResourceNotFound")
    graph_error(graph.get(f"{GRAPH}/users/6fd2c87f-b296-42f0-b197-1e91e994b900"), 404, "Request_ResourceNotFound")


def test_a_license_held_in_two_subscriptions_is_one_assigned_license(org, graph):
    alex = graph.get(f"{GRAPH}/users/{org.alex.public_id}").json()
    assert alex["assignedLicenses"] == [{"skuId": str(org.e3.sku_id), "disabledPlans": []}]
    assert [state["assignedByGroup"] for state in alex["licenseAssignmentStates"]] == [None, None]
    assert {state["state"] for state in alex["licenseAssignmentStates"]} == {"Active"}


def test_a_subscription_administrator_sees_only_their_subscriptions_licenses(org, out_of_scope_admin):
    # Alex's E3 in T is not S's administrator's to see: one state, not two.
    alex = bearer_client(org.users["subscription_admin"]).get(f"{GRAPH}/users/{org.alex.public_id}").json()
    assert len(alex["licenseAssignmentStates"]) == 1
    henrietta = bearer_client(out_of_scope_admin).get(f"{GRAPH}/users/{org.henrietta.public_id}").json()
    assert henrietta["assignedLicenses"] == [] and henrietta["licenseAssignmentStates"] == []


def test_a_member_waiting_for_a_group_license_is_a_count_violation(org, graph):
    group = group_create(by=SYSTEM, name="Designers", kind="assigned")
    group_members_change(by=SYSTEM, group=group, add=[org.adele, org.henrietta])
    group_licenses_change(by=SYSTEM, group=group, subscription=org.s, add=[org.visio])  # Henrietta holds the only one
    adele = graph.get(f"{GRAPH}/users/{org.adele.public_id}").json()
    assert adele["assignedLicenses"] == [] and adele["assignedPlans"] == []
    [state] = adele["licenseAssignmentStates"]
    assert state["skuId"] == str(org.visio.sku_id)
    assert state["assignedByGroup"] == str(group.public_id)
    assert (state["state"], state["error"]) == ("Error", "CountViolation")
    henrietta = graph.get(f"{GRAPH}/users/{org.henrietta.public_id}").json()
    assert sorted((s["assignedByGroup"] or "", s["state"]) for s in henrietta["licenseAssignmentStates"]) == [
        ("", "Active"),
        (str(group.public_id), "Active"),
    ]


def test_license_details(org, graph):
    body = graph.get(f"{GRAPH}/users/{quote(org.alex.email, safe='')}/licenseDetails").json()
    [details] = body["value"]
    assert details["skuId"] == str(org.e3.sku_id)
    assert details["skuPartNumber"] == "OFFICESERIES_E3"
    assert graph.get(f"{GRAPH}/users/{org.adele.public_id}/licenseDetails").json()["value"] == []


def test_users_page_query_count_is_fixed(org, django_assert_num_queries):
    """A page filtered by a SKU with the licenses of its users: the same statements for 1 user as for 16."""
    url = f"{GRAPH}/users?$filter=assignedLicenses/any(x:x/skuId eq {org.e3.sku_id})&$count=true"
    group = group_create(by=SYSTEM, name="Marketing", kind="assigned")
    group_members_change(by=SYSTEM, group=group, add=[org.alex])
    group_licenses_change(by=SYSTEM, group=group, subscription=org.s, add=[org.e3])
    for users in (1, 16):
        UserFactory.create_batch(users - 1)
        for user in User.objects.exclude(license_assignments__pool=org.pool_e3)[: users - 1]:
            user_licenses_change(by=SYSTEM, user=user, subscription=org.s, add=[org.e3])
        graph = bearer_client(org.users["global_admin"])  # a new token: its first use is written
        # The token with its admin's roles (read, its use written), the count (E3's pools, whose counters it sums,
        # and the users holding it in both subscriptions), the page, then the licenses: those held and waited for
        # with the group licenses giving them (one UNION), their products with their plans.
        with django_assert_num_queries(7):
            response = graph.get(url)
        assert len(response.json()["value"]) == users
