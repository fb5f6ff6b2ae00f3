"""Every `$filter` clause of the subset (README, "Microsoft Graph compatibility"), combined with and / or and
parentheses, and what lies outside it: a 400, never a 500 nor a filter silently ignored."""

from urllib.parse import quote

import pytest

from accounts.models import User
from accounts.services.users import user_update
from core.audit import SYSTEM
from tests.api.conftest import bearer_client

from .conftest import GRAPH, graph_error


def names(client, filter_text: str, **headers) -> set[str]:
    response = client.get(f"{GRAPH}/users?$filter={quote(filter_text)}&$select=displayName", headers=headers)
    assert response.status_code == 200, response.content[:500]
    return {user["displayName"] for user in response.json()["value"]}


def test_assigned_licenses_any_sku_with_any_lambda_variable(org, graph):
    assert names(graph, f"assignedLicenses/any(x:x/skuId eq {org.e3.sku_id})") == {"Alex Wilber"}
    assert names(graph, f"assignedLicenses/any(license: license/skuId eq {org.visio.sku_id})") == {"Henrietta Mueller"}
    assert names(graph, f"assignedLicenses/any(x:x/skuId eq {org.e5.sku_id})") == set()


def test_assigned_licenses_counts_only_licenses_the_reader_may_see(org, graph_as, out_of_scope_admin):
    # Henrietta's Visio is in S: its administrator finds her, T's does not.
    visio = f"assignedLicenses/any(x:x/skuId eq {org.visio.sku_id})"
    assert names(graph_as("subscription_admin"), visio) == {"Henrietta Mueller"}
    assert names(bearer_client(out_of_scope_admin), visio) == set()


def test_assigned_licenses_of_a_group_member(org, graph, sales):
    assert names(graph, f"assignedLicenses/any(x:x/skuId eq {org.e5.sku_id})") == {
        "Adele Vance",
        "Henrietta Mueller",
    }


@pytest.mark.parametrize(
    ("clause", "expected"),
    [
        ("startswith(displayName,'ale')", {"Alex Wilber"}),
        ("startswith(userPrincipalName,'henrietta.')", {"Henrietta Mueller"}),
        ("startswith(mail,'ADELE')", {"Adele Vance"}),
        ("startswith(givenName,'Uma')", {"Uma Useradmin"}),
        ("startswith(surname,'Wil')", {"Alex Wilber"}),
        ("startswith(surname,'Alex')", set()),  # a given name is no surname
        ("department eq 'marketing'", {"Alex Wilber"}),
        ("usageLocation eq 'DE'", {"Adele Vance"}),
        ("accountEnabled eq false", {"Morgan Member"}),
    ],
)
def test_text_and_boolean_clauses(org, graph, clause, expected):
    user_update(by=SYSTEM, user=org.adele, usage_location="DE")
    user_update(by=SYSTEM, user=org.users["member"], is_active=False)
    assert names(graph, clause) == expected


def test_account_enabled_true(org, graph):
    user_update(by=SYSTEM, user=org.users["member"], is_active=False)
    assert "Morgan Member" not in names(graph, "accountEnabled eq true")
    assert "Adele Vance" in names(graph, "accountEnabled eq true")


def test_id_in_and_id_eq(org, graph):
    both = f"id in ('{org.adele.public_id}', '{org.alex.public_id}')"
    assert names(graph, both) == {"Adele Vance", "Alex Wilber"}
    assert names(graph, f"id eq '{org.henrietta.public_id}'") == {"Henrietta Mueller"}


def test_user_principal_name_of_a_user_without_an_email(org, graph):
    User.objects.filter(pk=org.adele.pk).update(user_name="adele.v", email=None)
    assert names(graph, "startswith(userPrincipalName,'adele.v')") == {"Adele Vance"}


def test_and_or_and_parentheses(org, graph):
    e3 = f"assignedLicenses/any(x:x/skuId eq {org.e3.sku_id})"
    assert names(graph, f"{e3} and department eq 'Marketing'") == {"Alex Wilber"}
    assert names(graph, f"{e3} and department eq 'Sales'") == set()
    assert names(graph, f"{e3} or startswith(displayName,'Adele')") == {"Alex Wilber", "Adele Vance"}
    assert names(
        graph, "department eq 'Sales' and (startswith(displayName,'Adele') or startswith(displayName,'Morgan'))"
    ) == {"Adele Vance", "Morgan Member"}


def test_with_or_without_consistency_level(org, graph):
    clause = "startswith(displayName,'Adele')"
    assert names(graph, clause, ConsistencyLevel="eventual") == names(graph, clause) == {"Adele Vance"}


@pytest.mark.parametrize(
    "clause",
    [
        "jobTitle ne 'Analyst'",  # an operator outside the subset
        "startswith(department,'Sa')",  # startswith of a property outside the subset
        "endswith(mail,'@contoso.test')",
        "contains(displayName,'a')",
        "assignedLicenses/all(x:x/skuId eq 6fd2c87f-b296-42f0-b197-1e91e994b900)",
        "assignedLicenses/any(x:x/disabledPlans eq 'x')",
        "assignedLicenses/any(x:y/skuId eq 6fd2c87f-b296-42f0-b197-1e91e994b900)",
        "assignedPlans/any(x:x/servicePlanId eq 6fd2c87f-b296-42f0-b197-1e91e994b900)",
        "createdDateTime gt 2020-01-01T00:00:00Z",
        "accountEnabled eq 'yes'",
        "department eq 42",
        "not(accountEnabled eq true)",
        "id in (1, 2)",
        "displayName",
    ],
)
def test_clauses_outside_the_subset_are_a_400(graph, clause):
    response = graph.get(f"{GRAPH}/users?$filter={quote(clause)}")
    assert response.status_code == 400, response.content[:300]
    assert graph_error(response, 400, response.json()["error"]["code"])["code"] in {
        "Request_UnsupportedQuery",
        "Request_BadRequest",
    }


@pytest.mark.parametrize(
    "clause",
    ["(((", "department eq", "startswith(displayName,'x'", "department eq 'unterminated", "x/any(", "\x00", "'" * 3000],
)
def test_malformed_filters_are_a_400(graph, clause):
    graph_error(graph.get(f"{GRAPH}/users?$filter={quote(clause)}"), 400, "Request_BadRequest")


def test_an_unsupported_clause_says_so(graph):
    error = graph_error(graph.get(f"{GRAPH}/users?$filter={quote('jobTitle ne 1')}"), 400, "Request_UnsupportedQuery")
    assert error["innerError"]["code"] == "validation_error"
